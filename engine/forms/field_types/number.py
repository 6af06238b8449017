"""Numbers: plain numbers, and the shared logic of currency and percent."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import Field
from sqlalchemy import Float, Numeric
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.i18n import Message

#: Large enough for money in any currency, small enough to stay exact in JSON numbers.
MAX_DIGITS = 18


class NumberOptions(Options):
    precision: int | None = Field(default=None, ge=0, le=8)
    min: float | None = None
    max: float | None = None


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FieldInvalid(Message("value.number"))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise FieldInvalid(Message("value.number")) from None
    else:
        raise FieldInvalid(Message("value.number"))
    if not number.is_finite():
        raise FieldInvalid(Message("value.finite"))
    if number.is_zero():
        number = number.copy_abs()  # -0 is 0: neither database keeps the sign of a zero
    return number


def check_number(value: Any, options: NumberOptions, precision: int | None) -> Decimal:
    number = to_decimal(value)
    if precision is not None:
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > precision:
            raise FieldInvalid(Message("value.decimals", precision=precision))
        if abs(number) >= Decimal(10) ** (MAX_DIGITS - precision):
            raise FieldInvalid(Message("value.too_large"))
    if options.min is not None and number < Decimal(str(options.min)):
        raise FieldInvalid(Message("value.at_least", min=options.min))
    if options.max is not None and number > Decimal(str(options.max)):
        raise FieldInvalid(Message("value.at_most", max=options.max))
    return number


def decimal_to_json(value: Any, precision: int | None) -> int | float | None:
    if value is None:
        return None
    if precision == 0:
        return int(value)
    return float(value)


def number_schema(options: NumberOptions) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    if options.min is not None:
        schema["minimum"] = options.min
    if options.max is not None:
        schema["maximum"] = options.max
    return schema


class NumberType(FieldType):
    key = "number"
    label = {"zh-CN": "数字", "en": "Number"}
    numeric = True
    sortable = True
    filter_kind = "number"
    in_subtable = True
    cell = "number"
    wire = "a JSON number (a numeric string is accepted too)"
    example = Example(12.5)
    Options = NumberOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        precision = field.options.precision
        if precision is None:
            return Float()
        return Numeric(MAX_DIGITS, precision)

    def coerce(self, value: Any, field: BoundField) -> Any:
        number = check_number(value, field.options, field.options.precision)
        if field.options.precision is None:
            return float(number)
        return number

    def to_json(self, value: Any, field: BoundField) -> Any:
        if field.options.precision is None:
            return value
        return decimal_to_json(value, field.options.precision)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        schema = number_schema(field.options)
        if field.options.precision == 0:
            schema["type"] = "integer"
        return schema
