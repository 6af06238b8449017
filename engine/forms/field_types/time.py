"""Times of day, ``HH:MM`` or ``HH:MM:SS`` (24-hour) on the wire."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Time
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message

TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$", re.ASCII)


class TimeType(FieldType):
    key = "time"
    label = {"zh-CN": "时间", "en": "Time"}
    numeric = False
    sortable = True
    filter_kind = "time"
    in_subtable = True
    cell = "time"
    sheet_format = "hh:mm:ss"
    wire = 'a string `"HH:MM"` or `"HH:MM:SS"` (24-hour); read back as `"HH:MM:SS"`'
    example = Example("09:30")

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Time()

    def coerce(self, value: Any, field: BoundField) -> Any:
        if isinstance(value, dt.time):
            if value.tzinfo is not None:
                raise FieldInvalid(Message("value.time_zone"))
            return value.replace(microsecond=0)
        if not isinstance(value, str):
            raise FieldInvalid(Message("value.time_of_day"))
        match = TIME.match(value.strip())
        if match is None:
            raise FieldInvalid(Message("value.time_of_day"))
        hour, minute, second = match.groups()
        return dt.time(int(hour), int(minute), int(second or 0))

    def to_json(self, value: Any, field: BoundField) -> Any:
        return None if value is None else value.isoformat(timespec="seconds")

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "pattern": TIME.pattern}
