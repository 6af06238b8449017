"""A score of whole stars, from 1 to ``max``."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import SmallInteger
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.i18n import Message


class RatingOptions(Options):
    max: int = Field(default=5, ge=1, le=10, description="The highest score (stars shown).")


class RatingType(FieldType):
    key = "rating"
    label = {"zh-CN": "评分", "en": "Rating"}
    numeric = True
    sortable = True
    filter_kind = "number"
    in_subtable = True
    cell = "number"
    wire = "an integer from 1 to `max`"
    example = Example(4, {"max": 5})
    Options = RatingOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return SmallInteger()

    def coerce(self, value: Any, field: BoundField) -> Any:
        top = field.options.max
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldInvalid(Message("value.rating", top=top))
        if not 1 <= value <= top:
            raise FieldInvalid(Message("value.rating_range", top=top, value=value))
        return value

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": field.options.max}
