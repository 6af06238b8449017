"""Multi-line plain text."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.forms.field_types.text import check_text


class TextareaOptions(Options):
    max_length: int = Field(default=20000, ge=1, le=1_000_000)


class TextareaType(FieldType):
    key = "textarea"
    label = {"zh-CN": "多行文本", "en": "Long text"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string; line breaks are `\\n`"
    example = Example("First line\nSecond line")
    Options = TextareaOptions
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Text()

    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_text(value, field.options.max_length)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "maxLength": field.options.max_length}
