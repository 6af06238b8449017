"""Percentages, stored as fractions (15% is 0.15) so formulas need no /100."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import Numeric
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.forms.field_types.number import NumberOptions, check_number, number_schema
from engine.i18n import Message

FRACTION_DIGITS = 6
COLUMN_DIGITS = 12
#: Fractions must stay below this (100,000,000%), as the column holds them.
LIMIT = 10 ** (COLUMN_DIGITS - FRACTION_DIGITS)


class PercentOptions(NumberOptions):
    #: Decimal places of the percentage as shown (15.25%), not of the fraction.
    precision: int | None = Field(default=2, ge=0, le=4)


class PercentType(FieldType):
    key = "percent"
    label = {"zh-CN": "百分比", "en": "Percent"}
    numeric = True
    sortable = True
    filter_kind = "number"
    in_subtable = True
    cell = "percent"
    sheet_format = "0.##%"
    wire = "a fraction as a JSON number: 0.15 means 15%"
    example = Example(0.15)
    Options = PercentOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Numeric(COLUMN_DIGITS, FRACTION_DIGITS)

    def coerce(self, value: Any, field: BoundField) -> Any:
        precision = field.options.precision
        places = FRACTION_DIGITS if precision is None else precision + 2
        number = check_number(value, field.options, places)
        # What the column holds, so the database neither rounds nor overflows.
        if abs(number) >= LIMIT:
            raise FieldInvalid(Message("value.percent_size", limit=f"{LIMIT * 100:,}"))
        return number

    def to_json(self, value: Any, field: BoundField) -> Any:
        return None if value is None else float(value)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return number_schema(field.options)
