"""The rating field type: whole stars from 1 to max."""

from __future__ import annotations

from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="rating", **options))


@pytest.mark.parametrize(
    ("value", "options", "stored"),
    [(1, {}, 1), (5, {}, 5), (10, {"max": 10}, 10), ("3", {}, 3), (4.0, {}, 4)],
)
def test_accepts(value: Any, options: dict[str, Any], stored: int) -> None:
    field = bound(**options)
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        (True, {}, "whole number"),  # wrong type
        ([3], {}, "whole number"),
        ("three", {}, "whole number"),
        (3.5, {}, "whole number"),
        ("-1", {}, "whole number"),
        (0, {}, "from 1 to 5"),  # out of range
        (6, {}, "from 1 to 5"),
        (4, {"max": 3}, "from 1 to 3"),
        (10**30, {}, "from 1 to 5"),  # oversized
    ],
)
def test_refuses(value: Any, options: dict[str, Any], message: str) -> None:
    field = bound(**options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_max_option_is_bounded() -> None:
    assert bound().options.max == 5
    with pytest.raises(ValueError, match="max"):
        bound(max=0)
    with pytest.raises(ValueError, match="max"):
        bound(max=11)
    with pytest.raises(ValueError, match="half_stars"):
        bound(half_stars=True)


def test_query_and_schema() -> None:
    field = bound(max=3)
    assert field.type.parse_query("2", field) == 2
    with pytest.raises(FieldInvalid):
        field.type.parse_query("4", field)
    assert field.type.json_schema(field) == {"type": "integer", "minimum": 1, "maximum": 3}
