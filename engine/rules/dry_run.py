"""Trying a rule on a record: every effect runs for real, and nothing stays.

The designer's "try it on a record". The rule (published or not: it is
checked as publishing would check it, a ``RuleInvalid`` naming each issue at
``$.rule…``) runs on one record as if its trigger had fired: the condition,
then each effect through the same code as a real run, inside a SAVEPOINT
that is always rolled back. What each effect did is read back inside the
savepoint before the rollback (the records it wrote, the notifications and
deliveries it queued, with their templates rendered), so the answer shows
exactly which effects would run with which values, and writes nothing:
records, audit rows, notifications, deliveries and jobs all go with the
savepoint. A dry run is not a run: neither it nor a rule it sets off is
logged (``engine.rules.runs.not_logged``).

For ``old.<field>`` on update triggers, the values before are the current
ones (no change is being made).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, func, select

from engine.definition import RuleDef
from engine.forms import AppRuntime, EntityRuntime, Hooks, RecordNotFound, WriteContext
from engine.jobs.outbox import DUE_MARK
from engine.rules.base import Effect, RuleRun
from engine.rules.checks import check_rule
from engine.rules.compiled import CompiledRule, compile_rule
from engine.rules.display import user_names
from engine.rules.errors import RuleFailed, RuleInvalid
from engine.rules.runs import not_logged
from engine.rules.subscriber import _truthy, load_values
from engine.store.tables import deliveries, notifications
from engine.templating import TemplateError, render

#: Where the rule sits in the request (``POST …/rules/dry-run {"rule": …}``).
PATH = "$.rule"
#: Characters of a rendered template shown in the answer.
MAX_PREVIEW_CHARS = 5_000


def parse_rule(raw: RuleDef | Mapping[str, Any]) -> RuleDef:
    """The rule of a request; ``RuleInvalid`` naming each problem at ``$.rule…``."""
    if isinstance(raw, RuleDef):
        return raw
    try:
        return RuleDef.model_validate(raw)
    except ValidationError as err:
        issues = [
            (
                PATH + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem["loc"]),
                problem["msg"],
            )
            for problem in err.errors()
        ]
        raise RuleInvalid(issues) from None


def dry_run(
    conn: Connection,
    app: AppRuntime,
    rule: RuleDef | Mapping[str, Any],
    record_id: int,
    *,
    user_id: int | None,
    now: datetime,
    hooks: Hooks,
) -> dict[str, Any]:
    """``{"matched", "when", "effects": [{index, type, summary, details}], "error"}``.

    ``matched``: the condition held (or there is none), so the effects ran;
    ``when``: the condition's value (None without one); ``error``: why the
    condition or an effect failed (a real run would have failed the write).
    Raises ``RuleInvalid`` (422) for a rule that would not publish and
    ``RecordNotFound`` (404) for a record the rule's entity does not hold.
    """
    definition = parse_rule(rule)
    issues = list(check_rule(app, definition, PATH))
    if issues:
        raise RuleInvalid(issues)
    compiled = compile_rule(definition)
    entity = app.entities[definition.entity]
    ctx = WriteContext(conn, app, entity.key, user_id, now, hooks=hooks)
    values = load_values(ctx, entity, [record_id]).get(record_id)
    gone = values is not None and values.get("deleted_at") is not None
    if values is None or (gone and definition.trigger.on != "deleted"):
        raise RecordNotFound(f"there is no {entity.key} #{record_id}")
    old = dict(values) if type(compiled.trigger).sees_old else None
    run = RuleRun(ctx, compiled, entity, record_id, values, old, None, compiled.trigger.key)
    answer: dict[str, Any] = {"matched": False, "when": None, "effects": [], "error": None}
    with _nothing_stays(conn):
        _try(run, compiled, answer)
    return answer


@contextmanager
def _nothing_stays(conn: Connection) -> Iterator[None]:
    """A savepoint always rolled back, with what the transaction noted for
    after its end (failed runs to log, the due-work hint) put back as it was."""
    due = conn.info.get(DUE_MARK)
    with not_logged(conn):
        savepoint = conn.begin_nested()
        try:
            yield
        finally:
            savepoint.rollback()
            if due is None:
                conn.info.pop(DUE_MARK, None)
            else:
                conn.info[DUE_MARK] = due


def _try(run: RuleRun, rule: CompiledRule, answer: dict[str, Any]) -> None:
    app = run.ctx.app.key
    if rule.when is not None:
        try:
            answer["when"] = _truthy(run.evaluate(rule.when))
        except Exception as err:
            answer["error"] = str(RuleFailed(app, rule.key, None, None, err))
            return
    answer["matched"] = rule.when is None or bool(answer["when"])
    if not answer["matched"]:
        return
    for effect in rule.effects:
        seen = _marks(run.ctx.conn)
        logged = len(run.effects)
        try:
            effect.run([run])
        except Exception as err:
            failed = err if isinstance(err, RuleFailed) else None
            failed = failed or RuleFailed(app, rule.key, effect.index, effect.key, err)
            answer["error"] = str(failed)
            answer["effects"].append(
                {
                    "index": effect.index,
                    "type": effect.key,
                    "summary": f"fails: {failed.cause}",
                    "details": {"error": str(failed)},
                }
            )
            return
        details = _details(run, effect, run.effects[logged:], seen)
        answer["effects"].append(
            {
                "index": effect.index,
                "type": effect.key,
                "summary": _summary(effect, details),
                "details": details,
            }
        )


def _marks(conn: Connection) -> tuple[int, int]:
    """The last notification and delivery ids: what an effect adds comes after."""
    last_notification = conn.scalar(select(func.max(notifications.c.id))) or 0
    last_delivery = conn.scalar(select(func.max(deliveries.c.id))) or 0
    return int(last_notification), int(last_delivery)


def _details(
    run: RuleRun, effect: Effect, logged: Sequence[Mapping[str, Any]], seen: tuple[int, int]
) -> dict[str, Any]:
    """What the run log says the effect did, and what it left in the savepoint."""
    details: dict[str, Any] = {}
    for entry in logged:
        details.update({k: v for k, v in entry.items() if k not in ("index", "type")})
    conn = run.ctx.conn
    app = run.ctx.app
    target = app.entities.get(str(details.get("entity", "")))
    if target is not None and isinstance(details.get("created"), int):
        details["values"] = _record_values(run, target, [details["created"]], None)[0]
    if target is not None and isinstance(details.get("updated"), list):
        written = list(getattr(effect.config, "values", {}) or {})
        details["records"] = _record_values(run, target, details["updated"], written)
    sent = conn.execute(
        select(notifications).where(notifications.c.id > seen[0]).order_by(notifications.c.id)
    ).all()
    if sent:
        names = user_names(conn, [row.user_id for row in sent])
        details["notifications"] = [
            {
                "user_id": row.user_id,
                "user": names.get(row.user_id, str(row.user_id)),
                "title": row.title,
                "body": row.body,
            }
            for row in sent
        ]
    queued = conn.execute(
        select(deliveries).where(deliveries.c.id > seen[1]).order_by(deliveries.c.id)
    ).all()
    if queued:
        templates = tuple(getattr(effect, "templates", ()))
        details["deliveries"] = [
            {
                "channel": row.channel,
                "recipient": row.recipient,
                "content": _shown_content(row.content, templates),
            }
            for row in queued
        ]
    return details


def _record_values(
    run: RuleRun, entity: EntityRuntime, ids: Sequence[int], keys: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Records as written inside the savepoint (JSON values): the fields ``keys``
    names, or every field that holds a value."""
    stored = load_values(run.ctx, entity, list(ids))
    answers = []
    for record_id in ids:
        values = stored.get(record_id, {})
        shown: dict[str, Any] = {"id": record_id}
        for key, bound in entity.fields.items():
            value = values.get(key)
            if not bound.type.stored or (keys is None and value is None):
                continue
            if keys is not None and key not in keys:
                continue
            shown[key] = None if value is None else bound.type.to_json(value, bound)
        answers.append(shown)
    return answers


def _shown_content(content: Mapping[str, Any], templates: Sequence[str]) -> dict[str, Any]:
    """A delivery's content with its templates rendered as they would be sent
    (or the error that would fail it), without the values they read."""
    shown = {k: v for k, v in content.items() if k != "values"}
    values = content.get("values")
    if not isinstance(values, Mapping):
        return shown
    rendered: dict[str, str] = {}
    for name in templates:
        template = content.get(name)
        if not isinstance(template, str) or not template:
            continue
        try:
            text = render(template, values, max_output_chars=MAX_PREVIEW_CHARS)
        except TemplateError as err:
            text = f"(fails: {err})"
        rendered[name] = text
    if rendered:
        shown["rendered"] = rendered
    return shown


def _summary(effect: Effect, details: Mapping[str, Any]) -> str:
    """One line for the designer's list of what would happen."""
    parts: list[str] = []
    if "created" in details:
        values = {k: v for k, v in details.get("values", {}).items() if k != "id"}
        parts.append(f"create {details.get('entity')} ({_pairs(values)})")
    elif "updated" in details:
        ids = details["updated"]
        if ids:
            records = ", ".join(f"#{i}" for i in ids)
            parts.append(f"update {details.get('entity')} {records}")
        else:
            parts.append(f"update no {details.get('entity')} record")
    elif isinstance(details.get("values"), Mapping):
        parts.append(f"set {_pairs(details['values'])}")
    if "notifications" in details:
        items = details["notifications"]
        people = ", ".join(dict.fromkeys(n["user"] for n in items))
        parts.append(f"notify {people}: {items[0]['title']!r}")
    elif "users" in details:
        parts.append("notify nobody")
    if "deliveries" in details:
        items = details["deliveries"]
        to = ", ".join(dict.fromkeys(d["recipient"] for d in items))
        parts.append(f"queue {len(items)} {items[0]['channel']} to {to}")
    elif "to" in details:
        parts.append(f"send no {effect.key}: no recipient")
    return "; ".join(parts) or effect.key


def _pairs(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in values.items())


__all__ = ["PATH", "dry_run", "parse_rule"]
