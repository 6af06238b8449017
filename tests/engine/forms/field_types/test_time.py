"""The time field type: HH:MM[:SS] in, HH:MM:SS out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="time", **options))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("09:30", dt.time(9, 30)),
        ("00:00", dt.time(0, 0)),
        ("23:59:59", dt.time(23, 59, 59)),
        (" 07:05:01 ", dt.time(7, 5, 1)),
        (dt.time(8, 15, 30, 999), dt.time(8, 15, 30)),
    ],
)
def test_accepts(value: Any, stored: dt.time) -> None:
    field = bound()
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (930, "time of day"),  # wrong type
        (True, "time of day"),
        (["09:30"], "time of day"),
        ("24:00", "time of day"),  # out of range
        ("12:60", "time of day"),
        ("12:30:60", "time of day"),
        ("9:30", "time of day"),  # bad format
        ("09.30", "time of day"),
        ("09:30:00.5", "time of day"),
        ("09:30+08:00", "time of day"),
        ("09:30" + " " * 1000 + "x", "time of day"),  # oversized
        (dt.time(9, 30, tzinfo=dt.UTC), "without a time zone"),
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_reads_back_with_seconds_and_filters_by_text() -> None:
    field = bound()
    assert field.type.to_json(dt.time(9, 30), field) == "09:30:00"
    assert field.type.to_json(None, field) is None
    assert field.type.parse_query("18:00", field) == dt.time(18, 0)


def test_unknown_option() -> None:
    with pytest.raises(ValueError, match="format"):
        bound(format="HH:mm")
