"""Single-line text."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field
from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.i18n import Message


class TextOptions(Options):
    max_length: int = Field(default=255, ge=1, le=4000)
    min_length: int = Field(default=0, ge=0)
    pattern: str | None = None


def check_text(value: Any, max_length: int, min_length: int = 0) -> str:
    if not isinstance(value, str):
        raise FieldInvalid(Message("value.text"))
    if len(value) > max_length:
        raise FieldInvalid(Message("value.max_chars", max=max_length, got=len(value)))
    if len(value) < min_length:
        raise FieldInvalid(Message("value.min_chars", min=min_length))
    if "\x00" in value:
        raise FieldInvalid(Message("value.nul"))
    return value


class TextType(FieldType):
    key = "text"
    label = {"zh-CN": "单行文本", "en": "Text"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string"
    example = Example("Acme Trading Co.")
    Options = TextOptions
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(field.options.max_length)

    def coerce(self, value: Any, field: BoundField) -> Any:

        text = check_text(value, field.options.max_length, field.options.min_length)
        if field.options.pattern and not re.fullmatch(field.options.pattern, text):
            raise FieldInvalid(Message("value.format"))
        return text

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "maxLength": field.options.max_length}
