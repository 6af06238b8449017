"""A user links only to records they may read.

A link is a door: the record that holds it shows the linked record's title
and, through lookups (``contact.mobile``), its values; rules run on the
linked record when the holder changes (a follow-up moves its lead's
``last_followed_up_at``). Were any id accepted, a rep could read another
rep's contact's phone by linking a contract to it, or push back another
rep's lead's return to the pool by logging a follow-up on it.

So a user's write (create, update, bulk edit, import) may set a link only
to a record within their read scope for the linked entity, pools they see
included. A link the record already holds may be sent back unchanged even
when its target has left the user's scope (another rep took over the
customer): the form sends every field it shows. A refused id reads as one
that does not exist ("不存在或无权访问"), so the answer tells nothing about
records the user may not read. Writes of the system (rules, actions) are
not users' writes and do not pass through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.accounts.users import User
from engine.forms.context import WriteContext
from engine.forms.errors import FieldError, label_of, noun_of
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.link import LinkType
from engine.forms.field_types.subtable import SubtableType, sub_fields
from engine.forms.permissions import AccessDenied, load_entity_access
from engine.forms.runtime import EntityRuntime
from engine.i18n import Message


@dataclass(frozen=True, slots=True)
class _Named:
    """One link value of the input: where it was sent, and to which entity it points."""

    path: str
    field: BoundField
    target: str
    record_id: int


def unreachable_links(
    ctx: WriteContext,
    entity: EntityRuntime,
    user: User,
    inputs: Sequence[Mapping[str, Any]],
    record_id: int | None = None,
) -> list[FieldError]:
    """An error for every link in ``inputs`` to a record ``user`` may not read.

    ``record_id``: the record being changed, whose current links pass.
    """
    named = list(_links_in(entity, inputs))
    if not named:
        return []
    held = _held_links(ctx, entity, record_id) if record_id is not None else set()
    asked: dict[str, set[int]] = {}
    for link in named:
        if (link.target, link.record_id) not in held:
            asked.setdefault(link.target, set()).add(link.record_id)
    refused = {
        (target, found)
        for target, ids in asked.items()
        for found in _outside_scope(ctx, user, target, ids)
    }
    errors: list[FieldError] = []
    reported: set[str] = set()
    for link in named:
        if (link.target, link.record_id) in refused and link.path not in reported:
            reported.add(link.path)
            noun = noun_of(ctx.app.entities[link.target])
            message = Message("value.no_record", entity=noun, id=link.record_id)
            errors.append(FieldError(link.path, message, label_of(link.field)))
    return errors


def _links_in(entity: EntityRuntime, inputs: Sequence[Mapping[str, Any]]) -> list[_Named]:
    """The link values of the input, sub-table rows included. A value that is
    not an id is left to validation, which names it better."""
    found: list[_Named] = []
    for i, data in enumerate(inputs):
        prefix = f"[{i}]." if len(inputs) > 1 else ""
        for key, value in data.items():
            bound = entity.fields.get(key)
            if bound is None:
                continue
            if isinstance(bound.type, LinkType):
                found.extend(_one(prefix + key, bound, value))
            elif isinstance(bound.type, SubtableType) and isinstance(value, list):
                subs = sub_fields(bound)
                for row_no, row in enumerate(value):
                    if not isinstance(row, Mapping):
                        continue
                    for sub_key, sub_value in row.items():
                        sub = subs.get(sub_key)
                        if sub is not None and isinstance(sub.type, LinkType):
                            path = f"{prefix}{key}[{row_no}].{sub_key}"
                            found.extend(_one(path, sub, sub_value))
    return found


def _one(path: str, bound: BoundField, value: Any) -> list[_Named]:
    if isinstance(value, bool) or not isinstance(value, int):
        return []
    return [_Named(path, bound, bound.options.target, value)]


def _held_links(ctx: WriteContext, entity: EntityRuntime, record_id: int) -> set[tuple[str, int]]:
    """The (entity, id) pairs the record links to now, in its fields and rows."""
    held: set[tuple[str, int]] = set()
    table = entity.table
    links = [b for b in entity.fields.values() if isinstance(b.type, LinkType)]
    if links:
        row = ctx.conn.execute(
            select(*(table.c[b.key] for b in links)).where(table.c.id == record_id)
        ).first()
        if row is not None:
            held.update(
                (b.options.target, value) for b, value in zip(links, row, strict=True) if value
            )
    for key, child in entity.child_tables.items():
        subs = [b for b in sub_fields(entity.fields[key]).values() if isinstance(b.type, LinkType)]
        if not subs:
            continue
        rows = ctx.conn.execute(
            select(*(child.c[b.key] for b in subs)).where(child.c.parent_id == record_id)
        )
        for values in rows:
            held.update(
                (b.options.target, value) for b, value in zip(subs, values, strict=True) if value
            )
    return held


def _outside_scope(ctx: WriteContext, user: User, target_key: str, ids: set[int]) -> set[int]:
    """Those of ``ids`` that are records of ``target_key`` outside the user's read scope.

    Ids of no record at all are not returned: validation refuses them with
    the same words, and the recycle bin's message stays for readable ones.
    """
    target = ctx.app.entities[target_key]
    table = target.table
    try:
        access = load_entity_access(
            ctx.conn, user, ctx.app, target_key, read_also=ctx.hooks.read_also
        )
    except AccessDenied:
        return set(ids)
    if access.unrestricted:
        return set()
    if not access.allows("read"):
        return set(ids)
    condition = access.condition("read", table)
    if condition is None:
        return set()
    readable = set(ctx.conn.scalars(select(table.c.id).where(table.c.id.in_(ids), condition)))
    return set(ids) - readable


__all__ = ["unreachable_links"]
