"""A field of the record a link points at, shown read-only (the customer's industry).

Not stored: the database reads it through the link when records are read
(a correlated subquery), so it is always the linked record's current value
and can be filtered and sorted on like a column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from pydantic import Field
from sqlalchemy import ColumnElement, select

from engine.definition import Key
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import QueryTime
from engine.forms.field_types.base import (
    DERIVED,
    BoundField,
    DefinitionContext,
    Example,
    FieldType,
    Options,
)
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime


class LookupOptions(Options):
    link: Key = Field(description="A `link` field of this entity.")
    field: Key = Field(description="A stored field of the linked entity.")


# The target field is known once the app runtime is (``select_expression`` is
# called for every read before any value is converted), so its type can
# convert the values and query text of this field.
_TARGETS: WeakKeyDictionary[BoundField, BoundField] = WeakKeyDictionary()


def _plain_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


class LookupType(FieldType, QueryTime):
    key = "lookup"
    label = {"zh-CN": "引用字段", "en": "Lookup"}
    numeric = False
    sortable = True
    filter_kind = DERIVED
    in_subtable = False
    cell = "json"
    wire = (
        "read-only: the value of `field` of the record `link` points at, "
        "in that field's own wire format (null without a linked record)"
    )
    example = Example("retail", {"link": "customer", "field": "industry"})
    Options = LookupOptions
    writable = False
    stored = False

    def select_expression(
        self, field: BoundField, entity: EntityRuntime, app: AppRuntime
    ) -> ColumnElement[Any]:
        link = entity.fields[field.options.link]
        _TARGETS[field] = app.entities[link.options.target].fields[field.options.field]
        # An alias, so a link to the same entity (a parent customer) reads the other row.
        target = app.entities[link.options.target].table.alias()
        return (
            select(target.c[field.options.field])
            .where(target.c.id == entity.table.c[field.options.link])
            .scalar_subquery()
        )

    def to_json(self, value: Any, field: BoundField) -> Any:
        target = _TARGETS.get(field)
        if value is None:
            return None
        return target.type.to_json(value, target) if target else _plain_json(value)

    def parse_query(self, text: str, field: BoundField) -> Any:
        target = _TARGETS.get(field)
        if target is None:
            raise FieldInvalid(Message("value.not_loaded"))
        return target.type.parse_query(text, target)

    def filter_kind_of(
        self, field: BoundField, entity: EntityRuntime | None, app: AppRuntime | None
    ) -> str | None:
        """A looked-up value filters like the field it shows."""
        if entity is None or app is None:
            return None
        link = entity.fields[field.options.link]
        target = app.entities[link.options.target]
        shown = target.fields.get(field.options.field)
        return shown.type.filter_kind_of(shown, target, app) if shown is not None else None

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        target = _TARGETS.get(field)
        schema = target.type.json_schema(target) if target else {}
        return {**schema, "readOnly": True}

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        # Imported here: the registry imports this module.
        from engine.forms.registry import field_types
        from engine.registry import UnknownKeyError

        options: LookupOptions = field.options
        link = next((f for f in ctx.entity.fields if f.key == options.link), None)
        if link is None or link.type != "link":
            yield ".link", f"{options.link!r} is not a link field of {ctx.entity.key}"
            return
        target_entity = ctx.app.entity(str(link.options.get("target")))
        if target_entity is None:
            return  # the link field reports its unknown target itself
        target = next((f for f in target_entity.fields if f.key == options.field), None)
        if target is None:
            yield ".field", f"unknown field {options.field!r} of {target_entity.key}"
            return
        try:
            stored = field_types.get(target.type).stored
        except UnknownKeyError:
            return  # reported on the target field itself
        if not stored:
            yield (
                ".field",
                f"{target_entity.key}.{options.field} is a {target.type} field, "
                "which has no stored value to look up",
            )
