"""Points in time, ISO 8601 on the wire; stored in UTC.

A value without an offset is read in the tenant's time zone, because that is
what a person typing "2026-11-22 09:00" means: a record write passes the
writer's zone (``LocalTime``); a caller without a tenant at hand gets the
default tenant zone.
"""

from __future__ import annotations

import datetime as dt
from datetime import tzinfo
from typing import Any

from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import LocalTime
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message
from engine.store.types import UTCDateTime
from engine.tenancy import DEFAULT_TIMEZONE, zone

#: The zone a value without an offset is read in when no tenant is at hand
#: (filter values, a field's default): the default tenant zone (``engine.tenancy``).
DEFAULT_TZ = zone(DEFAULT_TIMEZONE)


def parse_moment(value: Any, tz: tzinfo = DEFAULT_TZ) -> dt.datetime:
    """An ISO 8601 moment in UTC; without an offset it is local time in ``tz``.

    Shared by record input and filter values, so both accept the same text.
    """
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise FieldInvalid(Message("value.datetime")) from None
    else:
        raise FieldInvalid(Message("value.datetime"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+08:00 is before year 1 in UTC
        raise FieldInvalid(Message("value.datetime_range")) from None


class DatetimeType(FieldType, LocalTime):
    key = "datetime"
    label = {"zh-CN": "日期时间", "en": "Date and time"}
    numeric = False
    sortable = True
    filter_kind = "datetime"
    in_subtable = True
    cell = "datetime"
    sheet_format = "yyyy-mm-dd hh:mm:ss"
    wire = (
        "an ISO 8601 date-time string; without an offset it is read in the tenant's time "
        "zone (Asia/Shanghai unless the tenant chose another); read back in UTC"
    )
    example = Example("2026-11-22T09:30:00+08:00")

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return UTCDateTime()

    def coerce(self, value: Any, field: BoundField) -> Any:
        return parse_moment(value)

    def coerce_local(self, value: Any, field: BoundField, tz: tzinfo) -> Any:
        return parse_moment(value, tz)

    def to_json(self, value: Any, field: BoundField) -> Any:
        return None if value is None else value.isoformat()

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}
