"""Points in time, ISO 8601 on the wire; stored in UTC.

A value without an offset is read in the tenant's time zone, because that is
what a person typing "2026-11-22 09:00" means.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.store.types import UTCDateTime
from engine.tenancy import DEFAULT_TIMEZONE, zone

#: The zone a value without an offset is read in. Record input and filter values
#: are coerced without a tenant at hand, so this is the default tenant zone, not a
#: tenant's own choice (``engine.tenancy``).
DEFAULT_TZ = zone(DEFAULT_TIMEZONE)


def parse_moment(value: Any) -> dt.datetime:
    """An ISO 8601 moment in UTC; without an offset it is the tenant's local time.

    Shared by record input and filter values, so both accept the same text.
    """
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise FieldInvalid("must be a date and time like 2026-01-31T09:30:00+08:00") from None
    else:
        raise FieldInvalid("must be a date and time like 2026-01-31T09:30:00+08:00")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DEFAULT_TZ)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+08:00 is before year 1 in UTC
        raise FieldInvalid("is out of range (years 1 to 9999 in UTC)") from None


class DatetimeType(FieldType):
    key = "datetime"
    label = {"zh-CN": "日期时间", "en": "Date and time"}
    numeric = False
    sortable = True
    filter_kind = "datetime"
    in_subtable = True
    cell = "datetime"
    sheet_format = "yyyy-mm-dd hh:mm:ss"
    wire = (
        "an ISO 8601 date-time string; without an offset it is read in Asia/Shanghai time; "
        "read back in UTC"
    )
    example = Example("2026-11-22T09:30:00+08:00")

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return UTCDateTime()

    def coerce(self, value: Any, field: BoundField) -> Any:
        return parse_moment(value)

    def to_json(self, value: Any, field: BoundField) -> Any:
        return None if value is None else value.isoformat()

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}
