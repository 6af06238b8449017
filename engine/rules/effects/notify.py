"""The in-app notification: a title (and a body) for the people a rule names.

The title and body are literals or expressions (``=CONCAT('High: ', title)``)
evaluated per recipient over what that recipient may read: a field hidden
from them reads as blank, so a notification never shows a value its reader
could not open the record to see.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import Field

from engine.accounts.users import get_user
from engine.forms import AccessDenied, load_entity_access
from engine.messaging import notify
from engine.rules.base import CheckContext, Effect, Issue, RuleRun, Settings
from engine.rules.recipients import Recipients, check_recipients, users_of
from engine.rules.values import Value, parse_value

MAX_TITLE_CHARS = 500


class NotifyConfig(Settings):
    to: Recipients
    title: Any = Field(min_length=1)
    body: Any = None


class Notify(Effect):
    key = "notify"
    label = {"zh-CN": "站内通知", "en": "In-app notification"}
    description = {
        "zh-CN": "给用户、字段中的人、角色、部门或上级发送站内通知（铃铛）。",
        "en": "Notify users, the people in a field, roles, departments or managers in the app "
        "(the bell).",
    }
    Config = NotifyConfig

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        assert isinstance(self.config, NotifyConfig)
        yield from check_recipients(self.config.to, cc, f"{path}.to", None)
        for part in ("title", "body"):
            raw = getattr(self.config, part)
            if raw is None:
                continue
            if not isinstance(raw, str):
                yield f"{path}.{part}", "must be a text or an expression starting with ="
                continue
            try:
                parse_value(raw, cc.names)
            except Exception as err:
                yield f"{path}.{part}", getattr(err, "message", str(err))

    def run(self, runs: Sequence[RuleRun]) -> None:
        assert isinstance(self.config, NotifyConfig)
        title = parse_value(self.config.title)
        body = None if self.config.body is None else parse_value(self.config.body)
        for run in runs:
            people = users_of(run, self.config.to)
            sent = 0
            for hidden, group in _by_hidden_fields(run, people).items():
                scope = run.scope()
                for key in hidden:
                    scope[key] = None
                    scope[f"old.{key}"] = None
                shown_title = _text(title, scope, run)
                shown_body = None if body is None else _text(body, scope, run)
                sent += notify(
                    run.ctx.conn,
                    group,
                    title=shown_title[:MAX_TITLE_CHARS] or run.rule.key,
                    body=shown_body,
                    app=run.ctx.app.key,
                    entity=run.entity.key,
                    record_id=run.record_id,
                    source=f"rule:{run.ctx.app.key}/{run.rule.key}",
                    now=run.ctx.now,
                )
            self.done(run, users=people)


def _text(value: Value, scope: Mapping[str, Any], run: RuleRun) -> str:
    result = value.resolve(scope, run.eval_context())
    return "" if result is None else str(result)


def _by_hidden_fields(run: RuleRun, people: list[int]) -> dict[frozenset[str], list[int]]:
    """Recipients grouped by the fields of the entity they may not read.

    A recipient with no role in the app reads nothing of its records but
    what every notification says: the rule's text over blank fields.
    """
    groups: dict[frozenset[str], list[int]] = {}
    every = frozenset(run.entity.fields)
    for person in people:
        user = get_user(run.ctx.conn, person)
        if user is None:
            continue
        try:
            access = load_entity_access(
                run.ctx.conn,
                user,
                run.ctx.app,
                run.entity.key,
                field_masks=run.ctx.hooks.field_masks,
            )
            hidden = access.hidden if access.allows("read") else every
            if access.masks and run.record_id is not None:
                # A pool's hidden fields while the record is in the pool.
                hidden |= access.masks.masked_now(run.ctx.conn, run.entity.table, run.record_id)
        except AccessDenied:
            hidden = every
        groups.setdefault(hidden, []).append(person)
    return groups


__all__ = ["Notify"]
