"""Yes/no."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message


class BooleanType(FieldType):
    key = "boolean"
    label = {"zh-CN": "是/否", "en": "Yes/No"}
    numeric = False
    sortable = True
    filter_kind = "boolean"
    in_subtable = True
    cell = "boolean"
    wire = "`true` or `false`"
    example = Example(True)

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Boolean()

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, bool):
            raise FieldInvalid(Message("value.boolean"))
        return value

    def parse_query(self, text: str, field: BoundField) -> Any:
        if text.lower() in ("true", "1"):
            return True
        if text.lower() in ("false", "0"):
            return False
        raise FieldInvalid(Message("value.boolean"))

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "boolean"}
