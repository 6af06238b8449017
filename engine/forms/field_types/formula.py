"""Values computed from the record's other fields and stored, so they sort,
filter and aggregate in SQL like any other column.

A formula that fails at run time (division by zero, a text where a number
was expected) stores null instead of failing the write: the person saving a
record cannot fix the designer's formula.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field
from sqlalchemy import Boolean, Date, Float, Numeric, Text
from sqlalchemy.types import TypeEngine

from engine.expressions import Expression, ExpressionError, compile_expression
from engine.forms.field_types.abilities import Computed
from engine.forms.field_types.base import (
    DERIVED,
    BoundField,
    DefinitionContext,
    Example,
    FieldType,
    Options,
)
from engine.forms.field_types.boolean import BooleanType
from engine.forms.field_types.currency import CurrencyType
from engine.forms.field_types.date import DateType
from engine.forms.field_types.datetime import DatetimeType
from engine.forms.field_types.number import MAX_DIGITS, NumberType
from engine.forms.field_types.percent import PercentType
from engine.forms.field_types.text import TextType
from engine.store.types import UTCDateTime

if TYPE_CHECKING:
    from engine.forms.context import WriteContext
    from engine.forms.runtime import AppRuntime, EntityRuntime

ResultType = Literal["number", "currency", "percent", "text", "date", "datetime", "boolean"]


class FormulaOptions(Options):
    expr: str = Field(min_length=1, max_length=2000)
    result_type: ResultType = "number"
    precision: int | None = Field(default=None, ge=0, le=8)


@lru_cache(maxsize=4096)
def compiled(source: str) -> Expression:
    """Compile once per process; names were checked when the app was published."""
    return compile_expression(source)


def result_precision(options: FormulaOptions) -> int | None:
    if options.result_type == "currency" and options.precision is None:
        return 2
    if options.result_type == "percent" and options.precision is None:
        return 6
    return options.precision


def convert(value: Any, options: FormulaOptions) -> Any:
    """Bring an expression result to the stored type, or None if it cannot be."""
    if value is None:
        return None
    kind = options.result_type
    try:
        if kind in ("number", "currency", "percent"):
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                return None
            number = Decimal(str(value))
            if not number.is_finite():
                return None
            precision = result_precision(options)
            if precision is None:
                return float(number)
            return number.quantize(Decimal(1).scaleb(-precision))
        if kind == "text":
            return str(value)[:100_000]
        if kind == "boolean":
            return bool(value)
        if kind == "date":
            return (
                value.date()
                if isinstance(value, datetime)
                else value
                if isinstance(value, date)
                else None
            )
        if kind == "datetime":
            return value if isinstance(value, datetime) and value.tzinfo else None
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return None


#: The type whose values a formula of each result type stores: it filters,
#: copies and fills a spreadsheet cell as that type.
RESULT_TYPES: dict[str, FieldType] = {
    "number": NumberType(),
    "currency": CurrencyType(),
    "percent": PercentType(),
    "text": TextType(),
    "date": DateType(),
    "datetime": DatetimeType(),
    "boolean": BooleanType(),
}


class FormulaType(FieldType, Computed):
    key = "formula"
    label = {"zh-CN": "公式", "en": "Formula"}
    # Numeric-ness, filter kind and cell are the result type's (``behaves_as``).
    numeric = False
    sortable = True
    filter_kind = DERIVED
    in_subtable = True
    cell = DERIVED
    wire = "read-only: a value of `result_type` (number, string, ISO date, boolean)"
    example = Example(1799.99, {"expr": "ROUND(amount * 0.9, 2)", "result_type": "currency"})
    Options = FormulaOptions
    writable = False

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        options: FormulaOptions = field.options
        precision = result_precision(options)
        match options.result_type:
            case "number" | "currency" | "percent":
                return Float() if precision is None else Numeric(MAX_DIGITS, precision)
            case "text":
                return Text()
            case "date":
                return Date()
            case "datetime":
                return UTCDateTime()
            case "boolean":
                return Boolean()

    def to_json(self, value: Any, field: BoundField) -> Any:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return int(value) if result_precision(field.options) == 0 else float(value)
        if isinstance(value, date | datetime):
            return value.isoformat()
        return value

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        kind = field.options.result_type
        json_type = {"text": "string", "date": "string", "datetime": "string", "boolean": "boolean"}
        return {"type": json_type.get(kind, "number"), "readOnly": True}

    def behaves_as(self, field: BoundField) -> FieldType:
        return RESULT_TYPES[field.options.result_type]

    def filter_kind_of(
        self, field: BoundField, entity: EntityRuntime | None, app: AppRuntime | None
    ) -> str | None:
        return self.behaves_as(field).filter_kind

    def depends_on(self, field: BoundField) -> frozenset[str]:
        return compiled(field.options.expr).names

    def compute(self, field: BoundField, values: Mapping[str, Any], ctx: WriteContext) -> Any:
        try:
            result = compiled(field.options.expr).evaluate(values, ctx.eval_context())
        except ExpressionError:
            return None
        return convert(result, field.options)

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        names = {f.key for f in ctx.entity.fields}
        try:
            expression = compile_expression(field.options.expr, names=names)
        except ExpressionError as err:
            yield ".expr", err.message
            return
        if field.key in expression.names:
            yield ".expr", "a formula cannot refer to itself"
