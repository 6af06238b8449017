"""Calendar dates, ISO 8601 on the wire (``2026-11-22``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message


class DateType(FieldType):
    key = "date"
    label = {"zh-CN": "日期", "en": "Date"}
    numeric = False
    sortable = True
    filter_kind = "date"
    in_subtable = True
    cell = "date"
    sheet_format = "yyyy-mm-dd"
    wire = "an ISO 8601 date string, `YYYY-MM-DD`"
    example = Example("2026-11-22")

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Date()

    def coerce(self, value: Any, field: BoundField) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if not isinstance(value, str) or len(value) != 10:
            raise FieldInvalid(Message("value.date"))
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise FieldInvalid(Message("value.date")) from None

    def to_json(self, value: Any, field: BoundField) -> Any:
        return None if value is None else value.isoformat()

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "format": "date"}
