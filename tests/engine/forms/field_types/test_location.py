"""The location field type: {lat, lng, address?}."""

from __future__ import annotations

from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="location", **options))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ({"lat": 30.2741, "lng": 120.1551}, {"lat": 30.2741, "lng": 120.1551}),
        (
            {"lat": -90, "lng": 180, "address": "南极"},
            {"lat": -90.0, "lng": 180.0, "address": "南极"},
        ),
        ({"lat": 0, "lng": 0, "address": ""}, {"lat": 0.0, "lng": 0.0}),
        ({"lat": 1.5, "lng": -2.5, "address": None}, {"lat": 1.5, "lng": -2.5}),
    ],
)
def test_accepts(value: dict[str, Any], stored: dict[str, Any]) -> None:
    field = bound()
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("30.27,120.15", "must be an object"),  # wrong type
        ([30.27, 120.15], "must be an object"),
        ({"lat": "30.27", "lng": 120.15}, "lat must be a number"),
        ({"lat": 30, "lng": True}, "lng must be a number"),
        ({"lat": 90.0001, "lng": 0}, "lat must be between -90 and 90"),  # out of range
        ({"lat": 0, "lng": -180.5}, "lng must be between -180 and 180"),
        ({"lat": float("nan"), "lng": 0}, "lat must be between"),
        ({"lat": 0, "lng": float("inf")}, "lng must be between"),
        ({"lat": 30}, "needs both lat and lng"),  # bad format
        ({"lat": 30, "lng": 120, "altitude": 5}, "unknown part 'altitude'"),  # unknown key
        ({"lat": 30, "lng": 120, "address": 5}, "address must be text"),
        ({"lat": 30, "lng": 120, "address": "x" * 201}, "at most 200"),  # oversized
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_not_filterable_by_equality() -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match="cannot be filtered"):
        field.type.parse_query("30,120", field)
