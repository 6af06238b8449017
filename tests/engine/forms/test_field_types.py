"""Each registered field type: what it accepts, what it refuses, how it stores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.registry import BUILTINS, field_types
from engine.forms.runtime import bind_field


def bound(type_: str, **options: Any) -> Any:
    return bind_field(FieldDef(key="f", type=type_, **options))


#: Two file ids: attachment values are lists of them.
FILE_A = "9b2c6f0e-5a1d-4c3e-8f7a-2d4b6c8e0f1a"
FILE_B = "4e1d2c3b-6a5f-4b7e-9c8d-0f1e2d3c4b5a"

ACCEPTS: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("text", {}, "hello", "hello"),
    ("textarea", {}, "line 1\nline 2", "line 1\nline 2"),
    ("number", {}, 3, 3.0),
    ("number", {"precision": 0}, "42", Decimal(42)),
    ("currency", {}, 10.25, Decimal("10.25")),
    ("currency", {"precision": 0, "min": 0}, 0, Decimal(0)),
    ("percent", {}, 0.155, Decimal("0.155")),
    ("date", {}, "2026-02-28", dt.date(2026, 2, 28)),
    ("datetime", {}, "2026-02-28T09:30:00+08:00", dt.datetime(2026, 2, 28, 1, 30, tzinfo=dt.UTC)),
    ("datetime", {}, "2026-02-28T09:30:00", dt.datetime(2026, 2, 28, 1, 30, tzinfo=dt.UTC)),
    ("boolean", {}, False, False),
    ("select", {"options": [{"value": "a"}, {"value": "b"}]}, "b", "b"),
    ("multiselect", {"options": [{"value": "a"}, {"value": "b"}]}, ["b", "a"], ["a", "b"]),
    ("email", {}, " sales@example.com.cn ", "sales@example.com.cn"),
    ("phone", {}, "138 1234 5678", "13812345678"),
    ("phone", {}, "010-12345678", "010-12345678"),
    ("phone", {}, "+8613812345678", "+8613812345678"),
    # Full width, as a Chinese input method types it.
    ("phone", {}, "１３８ １２３４ ５６７８", "13812345678"),
    ("phone", {}, "０１０－１２３４５６７８", "010-12345678"),
    ("user", {}, 3, 3),
    ("link", {"target": "customer"}, 7, 7),
    ("address", {}, {"province": "浙江省", "city": ""}, {"province": "浙江省"}),
    ("attachment", {}, [{"id": FILE_A}, FILE_B], [FILE_A, FILE_B]),
]

REFUSES: list[tuple[str, dict[str, Any], Any, str]] = [
    ("text", {"max_length": 3}, "long", "at most 3"),
    ("text", {}, 12, "must be text"),
    ("text", {"pattern": "[A-Z]+"}, "abc", "format"),
    ("number", {"min": 1}, 0, "at least 1"),
    ("number", {"max": 10}, 11, "at most 10"),
    ("number", {}, True, "must be a number"),
    ("number", {}, "NaN", "finite"),
    ("number", {}, "12abc", "must be a number"),
    ("number", {"precision": 0}, 1.5, "at most 0 decimal places"),
    ("currency", {}, 1.005, "at most 2 decimal places"),
    ("currency", {}, 1e20, "too large"),
    ("percent", {"max": 1}, 1.5, "at most 1"),
    ("date", {}, "2026-02-30", "must be a date"),
    ("date", {}, "28/02/2026", "must be a date"),
    ("datetime", {}, "yesterday", "date and time"),
    ("boolean", {}, "yes", "true or false"),
    ("select", {"options": [{"value": "a"}]}, "z", "not an option"),
    ("select", {"options": [{"value": "a"}]}, ["a"], "one of the options"),
    ("multiselect", {"options": [{"value": "a"}]}, ["a", "a"], "repeat"),
    ("multiselect", {"options": [{"value": "a"}]}, "a", "list of options"),
    ("email", {}, "a@b", "email address"),
    ("email", {}, "two@@example.com", "email address"),
    ("phone", {}, "12345", "mobile number"),
    ("phone", {}, "23812345678", "mobile number"),
    # Digits of other scripts are digits to a regex's \d, not to a telephone.
    ("phone", {}, "١٣٨١٢٣٤٥٦٧٨", "mobile number"),
    ("time", {}, "٠٩:٣٠", "time of day"),
    ("id_number", {}, "١١٠١٠١١٩٩٠٠٣٠٧١٢٣X", "18 characters"),
    ("user", {}, "3", "id of a user"),
    ("link", {"target": "customer"}, 0, "id of a record"),
    ("link", {"target": "customer"}, True, "id of a record"),
    ("address", {}, {"planet": "Mars"}, "unknown address part"),
    ("address", {}, "杭州", "must be an object"),
    ("attachment", {"max_files": 1}, [FILE_A, FILE_B], "at most 1"),
    ("attachment", {}, [FILE_A, FILE_A], "twice"),
    ("attachment", {}, ["abc\x00"], "no uploaded file with id"),
]


@pytest.mark.parametrize(("type_", "options", "value", "stored"), ACCEPTS)
def test_accepts(type_: str, options: dict[str, Any], value: Any, stored: Any) -> None:
    field = bound(type_, **options)
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(("type_", "options", "value", "message"), REFUSES)
def test_refuses(type_: str, options: dict[str, Any], value: Any, message: str) -> None:
    field = bound(type_, **options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_json_round_trip_of_numbers_and_dates() -> None:
    currency = bound("currency")
    assert currency.type.to_json(Decimal("10.50"), currency) == 10.5
    whole = bound("currency", precision=0)
    assert whole.type.to_json(Decimal(7), whole) == 7
    date = bound("date")
    assert date.type.to_json(dt.date(2026, 1, 2), date) == "2026-01-02"


def test_every_builtin_is_registered_and_describes_itself() -> None:
    assert sorted(field_types) == sorted(cls.key for cls in BUILTINS)
    for key, field_type in field_types.items():
        description = field_type.describe()
        assert description["type"] == key
        assert set(description["label"]) == {"zh-CN", "en"}


def test_unknown_options_are_errors() -> None:
    with pytest.raises(ValueError, match="precison"):
        bound("number", precison=2)


def test_autonumber_pattern_needs_one_sequence() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        bound("autonumber", pattern="CUS-{YYYY}")
    with pytest.raises(ValueError, match="unknown placeholder"):
        bound("autonumber", pattern="{seq}-{HH}")


def test_option_values_refuse_control_characters() -> None:
    with pytest.raises(ValueError, match="pattern"):
        bound("select", options=[{"value": "a\x00b"}])
