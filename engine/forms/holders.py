"""Naming, in an error, the record that already holds a value: only as the writer may see it.

A unique-value error tells a person which record has the value, so they can
find it: by its title (a customer's name, a quote's code), as they know
records, not by its id. It names a record only when the writer may read it
(their read scope) and its title (a title field hidden from them, or masked
on that record, stays unsaid); otherwise it is "another record", without an
id either: the id of a record out of sight says that it exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, select

from engine.forms.context import ReadContext
from engine.forms.errors import Label, noun_of
from engine.forms.field_types.base import BoundField
from engine.forms.masking import NO_MASKS, FieldMasks
from engine.forms.runtime import EntityRuntime
from engine.i18n import Message

#: Cells whose value is a reference (an id): no title a person would recognise.
_NOT_TITLES = frozenset({"reference", "references"})


@dataclass(frozen=True)
class Readable:
    """What of other records one writer may read, for errors that name a record."""

    #: The read scope (None: every record).
    scope: ColumnElement[bool] | None = None
    #: Fields hidden from the writer on every record.
    hidden: frozenset[str] = frozenset()
    #: Values blanked on some records (a pool lead's fields until claimed).
    masks: FieldMasks = field(default=NO_MASKS)


#: An engine acting on its own behalf reads every record and field.
EVERYTHING = Readable()


@dataclass(frozen=True)
class Holder:
    """A record holding a value, as the writer may know it."""

    id: int
    binned: bool
    #: Its title (a label when the title is an option), None when it may not be said.
    title: Label | str | None


def readable_holders(
    ctx: ReadContext,
    entity: EntityRuntime,
    held: Sequence[tuple[int, bool]],
    readable: Readable | None,
) -> dict[int, Holder]:
    """The records of ``held`` (id, in the recycle bin) an error may name, by id.

    A record is left out when it is out of the writer's read scope, or when
    its title is hidden from them or masked on it: naming it by its id
    instead would still point at it.
    """
    if not held:
        return {}
    readable = readable or EVERYTHING
    table = entity.table
    title_key = entity.title_field
    if title_key is not None and title_key in readable.hidden:
        return {}
    bound = entity.fields.get(title_key) if title_key is not None else None
    if bound is not None and not (
        bound.type.stored and bound.type.behaves_as(bound).cell not in _NOT_TITLES
    ):
        bound = None  # a title no column holds, or an id: named by the record's id
    columns: list[Any] = [table.c.id]
    if bound is not None:
        columns.append(table.c[bound.key])
        mask = readable.masks.of(table).get(bound.key)
        if mask is not None:
            columns.append(mask)
    query = select(*columns).where(table.c.id.in_([record_id for record_id, _ in held]))
    if readable.scope is not None:
        query = query.where(readable.scope)
    binned = dict(held)
    answer: dict[int, Holder] = {}
    for row in ctx.conn.execute(query):
        if len(row) > 2 and row[2]:
            continue  # the title is masked on this record
        title = _title(bound, row[1]) if bound is not None else None
        answer[row[0]] = Holder(row[0], binned[row[0]], title)
    return answer


def _title(bound: BoundField, value: Any) -> Label | str | None:
    """A title value as a person reads it: an option by its label, a date in ISO form."""
    if value is None or value == "" or value == []:
        return None
    if bound.type.behaves_as(bound).cell == "choice":
        for choice in getattr(bound.options, "options", ()):
            if choice.value == value:
                return dict(choice.label) if choice.label else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def unique_message(entity: EntityRuntime, holder: Holder | None) -> Message:
    """The error "must be unique: customer 'Acme' already has this value", as the writer knows it.

    ``holder`` None: the record may not be named ("another record"). A record
    without a title (none defined, or blank) is named by its id, which the
    writer reads anyway.
    """
    if holder is None:
        return Message("value.unique")
    if holder.title is None:
        key = "value.unique_binned" if holder.binned else "value.unique_named"
        return Message(key, id=holder.id)
    key = "value.unique_titled_binned" if holder.binned else "value.unique_titled"
    return Message(key, entity=noun_of(entity), title=_as_param(holder.title))


def _as_param(title: Label | str) -> Any:
    # A label (an option's) is rendered in the reader's language; a text as it is.
    return title if isinstance(title, Mapping | Message) else str(title)


__all__ = ["EVERYTHING", "Holder", "Readable", "readable_holders", "unique_message"]
