"""A record's values as people read them, for message templates.

Option labels instead of option values, user names instead of user ids,
money and numbers with separators, dates and times in the tenant's zone.
Templates get ``record`` (these), ``raw`` (the stored values as JSON),
``old`` (before an update, displayed), plus ``id``, ``entity``, ``rule``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from jinja2 import Environment, TemplateSyntaxError, nodes
from sqlalchemy import Connection, select

from engine.forms import BoundField, EntityRuntime
from engine.rules.base import RuleRun
from engine.store.tables import users

LANG = "zh-CN"


def _label(label: Mapping[str, str] | None, fallback: str, lang: str = LANG) -> str:
    if label:
        return label.get(lang) or next(iter(label.values()), fallback)
    return fallback


def user_names(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    rows = conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(wanted)))
    return {row.id: row.display_name for row in rows}


_CHOICES: WeakKeyDictionary[BoundField, dict[Any, str]] = WeakKeyDictionary()


def _choices(bound: BoundField) -> dict[Any, str]:
    """An option field's labels by value, built once per bound field."""
    found = _CHOICES.get(bound)
    if found is None:
        found = _CHOICES[bound] = _labels(bound)
    return found


def _labels(bound: BoundField) -> dict[Any, str]:
    options = getattr(bound.options, "options", None) or []
    return {
        getattr(c, "value", None): _label(getattr(c, "label", None), str(getattr(c, "value", "")))
        for c in options
    }


def _shown(bound: BoundField, value: Any, names: Mapping[int, str], tz: ZoneInfo) -> Any:
    kind = bound.defn.type
    if value is None:
        return ""
    if kind in ("select", "multiselect"):
        choices = _choices(bound)
        if isinstance(value, list):
            return "、".join(choices.get(v, str(v)) for v in value)
        return choices.get(value, str(value))
    if kind == "user":
        return names.get(value, str(value))
    if kind == "users" and isinstance(value, list):
        return "、".join(names.get(v, str(v)) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal | float | int):
        if kind == "currency":
            return f"¥{Decimal(str(value)):,.2f}"
        if kind == "percent":
            return f"{Decimal(str(value)) * 100:.2f}%".replace(".00%", "%")
        return f"{value:,}" if isinstance(value, int) else f"{Decimal(str(value)):,}"
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return bound.type.to_json(value, bound)
    return value


def _users_in(
    entity: EntityRuntime, values: Mapping[str, Any], fields: Sequence[tuple[str, BoundField]]
) -> list[int]:
    found: list[int] = []
    for key, bound in fields:
        value = values.get(key)
        if bound.defn.type == "user" and isinstance(value, int):
            found.append(value)
        elif bound.defn.type == "users" and isinstance(value, list):
            found.extend(v for v in value if isinstance(v, int))
    return found


#: The names under which templates read the record's values.
RECORD_NAMES = ("record", "raw", "old")
#: Per name, the fields read (None: all of them).
Reads = dict[str, frozenset[str] | None]
ALL: Reads = dict.fromkeys(RECORD_NAMES)


def fields_read(templates: Iterable[str | None], fields: Iterable[str]) -> Reads:
    """Which fields of ``record``/``raw``/``old`` these templates read.

    ``{{ record.company }}`` and ``{{ record['company'] }}`` read one field;
    any other use of ``record`` (a loop over it, passing it to a filter)
    reads them all. Parsed, never run: a welcome email that names two
    fields carries two values per delivery instead of the whole record.
    """
    known = set(fields)
    found: dict[str, set[str] | None] = {name: set() for name in RECORD_NAMES}
    parser = Environment(autoescape=False)
    for template in templates:
        if not template:
            continue
        try:
            tree = parser.parse(template)
        except TemplateSyntaxError:
            return dict(ALL)  # checked at publish; read everything rather than guess
        covered: set[int] = set()
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            assert isinstance(node, nodes.Getattr | nodes.Getitem)
            target = node.node
            if not (isinstance(target, nodes.Name) and target.name in found):
                continue
            if isinstance(node, nodes.Getattr):
                key: object = node.attr
            else:
                key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            reads = found[target.name]
            if isinstance(key, str) and key in known and reads is not None:
                reads.add(key)
                covered.add(id(target))
        for name in tree.find_all(nodes.Name):
            if name.name in found and id(name) not in covered:
                found[name.name] = None
    return {k: None if v is None else frozenset(v) for k, v in found.items()}


def template_values(runs: Sequence[RuleRun], reads: Reads | None = None) -> list[dict[str, Any]]:
    """What each run's message templates read, with one user lookup for the batch.

    ``reads`` (``fields_read``) narrows each of ``record``, ``raw`` and
    ``old`` to the fields the templates name; by default all stored fields.
    """
    if not runs:
        return []
    reads = ALL if reads is None else reads
    entity = runs[0].entity
    ctx = runs[0].ctx
    tz = ctx.zone()
    stored = [(k, b) for k, b in entity.fields.items() if b.type.stored]

    def narrowed(name: str) -> list[tuple[str, BoundField]]:
        wanted = reads.get(name)
        return stored if wanted is None else [(k, b) for k, b in stored if k in wanted]

    shown, raw_fields, old_fields = narrowed("record"), narrowed("raw"), narrowed("old")
    ids: list[int] = []
    for run in runs:
        ids += _users_in(entity, run.values, shown)
        if run.old is not None:
            ids += _users_in(entity, run.old, old_fields)
    names = user_names(ctx.conn, ids)
    rule_label = _label(runs[0].rule.definition.label, runs[0].rule.key)
    entity_label = _label(entity.defn.label, entity.key)
    answers = []
    for run in runs:
        values = run.values
        answer: dict[str, Any] = {
            "record": {k: _shown(b, values.get(k), names, tz) for k, b in shown},
            "raw": {
                k: None if values.get(k) is None else b.type.to_json(values[k], b)
                for k, b in raw_fields
            },
            "id": run.record_id,
            "entity": entity_label,
            "rule": rule_label,
        }
        if run.old is not None:
            answer["old"] = {k: _shown(b, run.old.get(k), names, tz) for k, b in old_fields}
        answers.append(answer)
    return answers


__all__ = ["fields_read", "template_values", "user_names"]
