"""Linkage (数据联动): what choosing a linked record does to the rest of the form.

A ``link`` field may declare two options (``engine.forms.field_types.link``):

* ``fill`` — ``{field of this form: field of the linked record}``: choosing
  a product fills the line's unit price and description from it.
* ``filter_by`` — ``{field of the linked record: field of this form}``: only
  records whose field equals this form's field may be chosen (a contact of
  the chosen customer). A blank form field filters nothing.

Both live at one level: an entity's fields, or one sub-table row's fields.

The web form applies them live (the picker searches with the filter, a pick
fills the fields); the server applies them to every write as well, so an API
client gets the same record: a write that sets a link without the fields it
fills gets them filled from the linked record (a field the write sends
itself is left as sent), and a link that breaks ``filter_by`` is an error of
the link field. An update fills only when the link changes: a client sending
back the record it read keeps the prices it shows.

Publish checks say which names are unknown and which values do not fit. The
rules of fitting are the kernel's (``value_fits``) — the forms engine cannot
reach the actions engine's, which are the same ones for copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.definition import EntityDef
from engine.forms.errors import FieldError, FieldInvalid, label_of, noun_of
from engine.forms.field_types.abilities import ChildRows
from engine.forms.field_types.base import BoundField, is_blank
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.context import WriteContext

#: Field types whose wire value is plain text: they fill text fields.
TEXT_LIKE = frozenset(
    {"text", "textarea", "phone", "email", "url", "id_number", "autonumber", "select"}
)
#: Target type → source types (besides itself) whose values it takes; numbers
#: go into numbers by the types' own word (``FieldType.numeric``).
ACCEPTS: Mapping[str, frozenset[str]] = {
    "text": TEXT_LIKE,
    "textarea": TEXT_LIKE,
    "email": frozenset({"text"}),
    "phone": frozenset({"text"}),
    "url": frozenset({"text"}),
    "datetime": frozenset({"date"}),
    "tags": frozenset({"multiselect"}),
}
#: Same-type values that must also agree on their options.
SAME_TARGET = frozenset({"link", "links"})
SAME_CHOICES = frozenset({"select", "multiselect"})


def value_fits(source: BoundField, target: BoundField) -> str | None:
    """Why values of ``source`` cannot be written into ``target``, or None when they can."""
    source_type = source.type.behaves_as(source)
    target_type = target.type.behaves_as(target)
    described = f"{source.key} ({source_type.key})"
    if source_type.key == target_type.key:
        if target_type.key in SAME_TARGET and source.options.target != target.options.target:
            return (
                f"{described} links to {source.options.target}, "
                f"{target.key} to {target.options.target}"
            )
        if target_type.key in SAME_CHOICES and source.defn.type == target.defn.type:
            wanted = {choice.value for choice in source.options.options}
            missing = sorted(wanted - {choice.value for choice in target.options.options})
            if missing:
                return f"options {missing} of {described} are not options of {target.key}"
        return None
    if source_type.key in ACCEPTS.get(target_type.key, ()):
        return None
    if source_type.numeric and target_type.numeric:
        return None
    return f"{described} does not fit {target.key} ({target_type.key})"


def _bound_fields(entity: EntityDef) -> dict[str, BoundField]:
    """The fields of ``entity`` that bind (publish reports the others on their own)."""
    from engine.forms.runtime import bind_field  # the runtime imports the field types
    from engine.registry import UnknownKeyError

    bound: dict[str, BoundField] = {}
    for defn in entity.fields:
        try:
            bound[defn.key] = bind_field(defn)
        except (UnknownKeyError, ValueError):
            continue
    return bound


def _readable_column(field: BoundField) -> str | None:
    """Why the linked record's ``field`` cannot be read from its row, or None."""
    if not field.type.stored or isinstance(field.type, ChildRows):
        return f"{field.key} ({field.defn.type}) is not stored on the record"
    return None


def check_linkage(
    link: BoundField, here: EntityDef, target: EntityDef
) -> Iterator[tuple[str, str]]:
    """Publish checks of ``fill`` and ``filter_by`` of ``link``, a field of ``here``."""
    mine = _bound_fields(here)
    theirs = _bound_fields(target)
    for key, source_key in link.options.fill.items():
        path = f".fill.{key}"
        into = mine.get(key)
        source = theirs.get(source_key)
        if into is None:
            yield path, f"unknown field {key!r} of {here.key} to fill"
        elif key == link.key:
            yield path, "a link cannot fill itself"
        elif not into.type.writable:
            yield path, f"{key} is computed and cannot be filled"
        elif source is None:
            yield path, f"unknown field {source_key!r} of {target.key}"
        else:
            problem = _readable_column(source) or value_fits(source, into)
            if problem is not None:
                yield path, problem
    for target_key, key in link.options.filter_by.items():
        path = f".filter_by.{target_key}"
        source = theirs.get(target_key)
        mine_field = mine.get(key)
        if source is None:
            yield path, f"unknown field {target_key!r} of {target.key}"
        elif mine_field is None:
            yield path, f"unknown field {key!r} of {here.key} to filter by"
        elif key == link.key:
            yield path, "a link cannot be filtered by itself"
        else:
            problem = _readable_column(source) or value_fits(mine_field, source)
            if problem is not None:
                yield path, problem


@lru_cache(maxsize=1024)
def _linked(fields: tuple[BoundField, ...]) -> tuple[BoundField, ...]:
    # Bound fields hash by identity and live as long as their runtime.
    return tuple(
        f for f in fields if f.defn.type == "link" and (f.options.fill or f.options.filter_by)
    )


def linked_fields(fields: Mapping[str, BoundField]) -> tuple[BoundField, ...]:
    """The link fields of one level that fill or are filtered (usually none)."""
    return _linked(tuple(fields.values()))


def apply_linkage(
    fields: Mapping[str, BoundField],
    data: Mapping[str, Any],
    values: dict[str, Any],
    existing: Mapping[str, Any] | None,
    ctx: WriteContext,
    prefix: str = "",
) -> list[FieldError]:
    """Fill and check ``values`` (coerced, before required checks) in place.

    ``data`` is what the write sent; ``existing`` the stored record of an
    update. Returns the errors: links outside their ``filter_by`` and filled
    values that do not coerce. A link to a record that does not exist is left
    to reference resolution, which names it.
    """
    errors: list[FieldError] = []
    for link in linked_fields(fields):
        key = link.key
        merged = {**existing, **values} if existing is not None else values
        chosen = merged.get(key)
        if not isinstance(chosen, int) or isinstance(chosen, bool):
            continue
        changed = key in data and (existing is None or existing.get(key) != chosen)
        fill = {k: s for k, s in link.options.fill.items() if changed and k not in data}
        # Checked when the link or a field it is filtered by is written.
        filters = {
            t: k
            for t, k in link.options.filter_by.items()
            if (changed or k in data) and not is_blank(merged.get(k))
        }
        if not fill and not filters:
            continue
        row = _linked_row(ctx, link, chosen, {*fill.values(), *filters})
        if row is None:
            continue
        target = ctx.app.entities[link.options.target]
        for target_key, form_key in filters.items():
            if row[target_key] != merged.get(form_key):
                message = Message(
                    "value.linked_filter",
                    entity=noun_of(target),
                    field=label_of(target.fields[target_key]),
                    form_field=label_of(fields[form_key]),
                )
                errors.append(FieldError(prefix + key, message, label_of(link)))
        hidden = _hidden_from_writer(ctx, target.key) if fill else frozenset()
        for into_key, source_key in fill.items():
            if source_key in hidden:
                # Never a value the writer could not read on the linked record.
                continue
            source = target.fields[source_key]
            into = fields[into_key]
            raw = source.type.to_json(row[source_key], source)
            if is_blank(raw):
                values[into_key] = [] if isinstance(into.type, ChildRows) else None
                continue
            try:
                values[into_key] = into.type.coerce(raw, into)
            except FieldInvalid as err:
                message = Message("value.filled_from", source=label_of(source), message=err.message)
                errors.append(FieldError(prefix + into_key, message, label_of(into)))
    return errors


def _hidden_from_writer(ctx: WriteContext, entity_key: str) -> frozenset[str]:
    """Fields of ``entity_key`` the writer may not read (none for the system)."""
    from engine.accounts.users import get_user
    from engine.forms.permissions import AccessDenied, load_entity_access

    if ctx.user_id is None:
        return frozenset()
    every = frozenset(ctx.app.entities[entity_key].fields)
    user = get_user(ctx.conn, ctx.user_id)
    if user is None:
        return every
    try:
        access = load_entity_access(ctx.conn, user, ctx.app, entity_key)
    except AccessDenied:
        return every
    return access.hidden if access.allows("read") else every


def _linked_row(
    ctx: WriteContext, link: BoundField, record_id: int, keys: set[str]
) -> Mapping[Any, Any] | None:
    """The columns ``keys`` of the live linked record, None when there is none."""
    target = ctx.app.entities[link.options.target]
    table = target.table
    statement = select(*(table.c[k] for k in sorted(keys))).where(
        table.c.id == record_id, table.c.deleted_at.is_(None)
    )
    found = ctx.conn.execute(statement).first()
    return None if found is None else found._mapping


__all__ = ["apply_linkage", "check_linkage", "linked_fields", "value_fits"]
