"""The id_number field type: Chinese resident ID numbers (GB 11643)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.id_number import check_character, check_id_number
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="id_number", **options))


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def test_check_character_of_the_standard_example() -> None:
    # GB 11643-1999, appendix: 11010519491231002 → X.
    assert check_character("11010519491231002") == "X"
    assert with_check("44052418800101001") == "440524188001010014"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case x is normalised
        (" 11010519491231002X ", "11010519491231002X"),
        (with_check("32010620000229123"), with_check("32010620000229123")),  # leap day
    ],
)
def test_accepts(value: str, stored: str) -> None:
    field = bound()
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (110105194912310020, "text"),  # wrong type
        (None, "text"),
        ("110105194912310021", "check digit"),  # bad checksum
        ("11010519491231002Y", "17 digits"),  # bad format
        ("01010519491231002X", "17 digits"),
        ("1101051949123100", "17 digits"),
        ("11010519491231002X0", "17 digits"),  # oversized
        ("11010519491231002X" * 100, "17 digits"),
        ("110105 19491231002X", "17 digits"),
        (with_check("32010620010229123"), "date of birth"),  # not a leap year
        (with_check("32010619491331002"), "date of birth"),  # month 13
        (with_check("32010618991231002"), "date of birth"),  # before 1900: out of range
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_birth_date_in_the_future_is_refused() -> None:
    number = with_check("32010620260101123")
    assert check_id_number(number, today=dt.date(2026, 1, 1)) == number
    with pytest.raises(FieldInvalid, match="date of birth"):
        check_id_number(number, today=dt.date(2025, 12, 31))


def test_query_text_is_normalised_like_input() -> None:
    field = bound()
    assert field.type.parse_query("11010519491231002x", field) == "11010519491231002X"
