"""Money: exact decimals with a currency code."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import Numeric
from sqlalchemy.types import TypeEngine

from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.forms.field_types.number import (
    MAX_DIGITS,
    NumberOptions,
    check_number,
    decimal_to_json,
    number_schema,
)


class CurrencyOptions(NumberOptions):
    precision: int | None = Field(default=2, ge=0, le=4)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")


class CurrencyType(FieldType):
    key = "currency"
    label = {"zh-CN": "金额", "en": "Currency"}
    numeric = True
    sortable = True
    filter_kind = "number"
    in_subtable = True
    cell = "number"
    sheet_format = "#,##0.00"
    wire = "a JSON number with at most `precision` decimal places"
    example = Example(1999.99)
    Options = CurrencyOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Numeric(MAX_DIGITS, field.options.precision)

    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_number(value, field.options, field.options.precision)

    def to_json(self, value: Any, field: BoundField) -> Any:
        return decimal_to_json(value, field.options.precision)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return number_schema(field.options)
