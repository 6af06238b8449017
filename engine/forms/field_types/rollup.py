"""Aggregates of related records (sum of open opportunities of a customer).

Computed by the database when records are read, as a correlated subquery, so
the value is correct the moment a related record changes and can be sorted
on. The ``where`` condition is an expression compiled to SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, column, func, select

from engine.definition import FieldDef, Key
from engine.expressions import ExpressionError, compile_expression
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

#: Filter kinds whose values have an order, so a min/max roll-up filters as its field.
ORDERED_KINDS = frozenset({"number", "date", "datetime", "time", "text"})


def _numeric(defn: FieldDef) -> bool:
    """Whether a field's values add up (a formula's: its result type's)."""
    # Imported here: the runtime module imports the registry that imports this one.
    from engine.forms.runtime import bind_field

    try:
        bound = bind_field(defn)
    except (LookupError, ValueError):
        return False  # a field that does not bind is reported by its own checks
    return bound.type.behaves_as(bound).numeric


class RollupOptions(Options):
    source: Key
    via: Key
    agg: Literal["sum", "count", "avg", "min", "max"]
    field: Key | None = None
    where: str | None = None


class RollupType(FieldType, QueryTime):
    key = "rollup"
    label = {"zh-CN": "汇总", "en": "Rollup"}
    numeric = False
    sortable = True
    filter_kind = DERIVED
    in_subtable = False
    cell = "json"
    wire = "read-only: a JSON number"
    example = Example(
        125000.0, {"source": "opportunity", "via": "customer", "agg": "sum", "field": "amount"}
    )
    Options = RollupOptions
    writable = False
    stored = False
    same_for_new_records = True

    def select_expression(
        self, field: BoundField, entity: EntityRuntime, app: AppRuntime
    ) -> ColumnElement[Any]:
        options: RollupOptions = field.options
        source = app.entities[options.source].table
        if options.agg == "count":
            aggregate: ColumnElement[Any] = func.count(source.c.id)
        else:
            column = source.c[options.field or "id"]
            aggregate = getattr(func, options.agg)(column)
            if options.agg == "sum":
                aggregate = func.coalesce(aggregate, 0)
        query = select(aggregate).where(
            source.c[options.via] == entity.table.c.id, source.c.deleted_at.is_(None)
        )
        if options.where:
            condition = compile_expression(options.where).to_sql(dict(source.c.items()))
            query = query.where(condition)
        return query.scalar_subquery()

    def to_json(self, value: Any, field: BoundField) -> Any:
        if isinstance(value, Decimal):
            return float(value)
        return value

    def parse_query(self, text: str, field: BoundField) -> Any:
        try:
            return float(text)
        except ValueError:
            raise FieldInvalid(Message("value.number")) from None

    def filter_kind_of(
        self, field: BoundField, entity: EntityRuntime | None, app: AppRuntime | None
    ) -> str | None:
        options: RollupOptions = field.options
        if options.agg not in ("min", "max") or options.field is None or app is None:
            return "number"
        # min/max keep the kind of the aggregated field: the latest of dates is a date.
        source_entity = app.entities[options.source]
        source = source_entity.fields.get(options.field)
        kind = source.type.filter_kind_of(source, source_entity, app) if source else None
        return kind if kind in ORDERED_KINDS else None

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "number", "readOnly": True}

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        options: RollupOptions = field.options
        source = ctx.app.entity(options.source)
        if source is None:
            yield ".source", f"unknown entity {options.source!r}"
            return
        source_fields = {f.key: f for f in source.fields}
        via = source_fields.get(options.via)
        if via is None or via.type != "link" or via.options.get("target") != ctx.entity.key:
            yield ".via", f"{options.source}.{options.via} must be a link to {ctx.entity.key}"
        if options.agg != "count":
            target = source_fields.get(options.field or "")
            if target is None:
                yield ".field", f"unknown field {options.field!r} of {options.source}"
            elif options.agg in ("sum", "avg") and not _numeric(target):
                yield (
                    ".field",
                    f"{options.agg} needs a number field, {options.field} is {target.type}",
                )
        if options.where:
            try:
                expression = compile_expression(options.where, names=set(source_fields))
                expression.to_sql({name: column(name) for name in source_fields})
            except ExpressionError as err:
                yield ".where", err.message
