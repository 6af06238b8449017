"""The function library: registry invariants, every documented example, edge cases."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.expressions import (
    FUNCTIONS,
    EvalContext,
    ExpressionError,
    ExpressionLimitError,
    FunctionSpec,
    compile_expression,
)
from engine.expressions.docs import function_catalogue
from engine.expressions.functions import CATEGORIES, EXAMPLE_CONTEXT

REQUIRED = [
    "IF",
    "AND",
    "OR",
    "NOT",
    "ISBLANK",
    "COALESCE",
    "IFNULL",
    "SWITCH",
    "ROUND",
    "ROUNDUP",
    "ROUNDDOWN",
    "ABS",
    "CEILING",
    "FLOOR",
    "MOD",
    "POWER",
    "SQRT",
    "MIN",
    "MAX",
    "SUM",
    "AVERAGE",
    "COUNT",
    "INT",
    "CONCAT",
    "LEN",
    "LEFT",
    "RIGHT",
    "MID",
    "UPPER",
    "LOWER",
    "TRIM",
    "SUBSTITUTE",
    "CONTAINS",
    "STARTSWITH",
    "TEXT",
    "VALUE",
    "TODAY",
    "NOW",
    "DATE",
    "YEAR",
    "MONTH",
    "DAY",
    "WEEKDAY",
    "DATEDIFF",
    "DATEADD",
    "EOMONTH",
    "CURRENT_USER",
    "SUMOF",
    "COUNTROWS",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(source: str, values: dict[str, Any] | None = None, ctx: EvalContext | None = None) -> Any:
    return compile_expression(source).evaluate(values or {}, ctx or EXAMPLE_CONTEXT)


# ------------------------------------------------------------------ registry


def test_library_has_the_required_functions() -> None:
    assert len(FUNCTIONS) >= 40
    assert not set(REQUIRED) - set(FUNCTIONS)


@pytest.mark.parametrize("spec", FUNCTIONS.values(), ids=lambda s: s.name)
def test_spec_is_complete(spec: FunctionSpec) -> None:
    assert spec.name == spec.name.upper()
    assert spec.category in CATEGORIES
    assert spec.doc and spec.example and spec.signature.startswith(spec.name + "(")
    assert spec.max_args is None or spec.min_args <= spec.max_args
    assert spec.kind in ("value", "context", "lazy")
    assert re.match(rf"{spec.name}\(", spec.example) or spec.example_values


@pytest.mark.parametrize("spec", FUNCTIONS.values(), ids=lambda s: s.name)
def test_documented_example(spec: FunctionSpec) -> None:
    """Each registry entry's example, evaluated, gives its documented result."""
    expr = compile_expression(spec.example, names=set(spec.example_values))
    assert spec.name in expr.functions
    result = expr.evaluate(spec.example_values, EXAMPLE_CONTEXT)
    assert result == spec.result
    assert type(result) is type(spec.result)


def test_functions_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        FUNCTIONS["EVIL"] = FUNCTIONS["IF"]  # type: ignore[index]


def test_catalogue_is_json_ready() -> None:
    import json

    catalogue = function_catalogue()
    assert len(catalogue) == len(FUNCTIONS)
    assert json.loads(json.dumps(catalogue))[0].keys() >= {"name", "signature", "doc", "result"}


# ------------------------------------------------------------- lazy and logic


def test_if_evaluates_only_the_chosen_branch() -> None:
    values = {"x": 1, "name": "not a number"}
    assert run("IF(x > 0, 'ok', VALUE(name))", values) == "ok"
    assert run("'ok' if x > 0 else VALUE(name)", values) == "ok"
    with pytest.raises(ExpressionError, match="not a number"):
        run("IF(x > 0, 'ok', VALUE(name))", {**values, "x": -1})


def test_and_or_short_circuit() -> None:
    assert run("AND(x > 5, VALUE(name) > 1)", {"x": 1, "name": "zzz"}) is False
    assert run("OR(x > 0, VALUE(name) > 1)", {"x": 1, "name": "zzz"}) is True
    assert run("x > 5 and VALUE(name) > 1", {"x": 1, "name": "zzz"}) is False


def test_coalesce_stops_at_first_value() -> None:
    assert run("COALESCE(a, b, VALUE(name))", {"a": None, "b": 0, "name": "zzz"}) == 0
    assert run("COALESCE(a, b)", {}) is None


def test_iferror_does_not_swallow_limit_errors() -> None:
    with pytest.raises(ExpressionLimitError):
        run("IFERROR(REPT('ab', n), 'fallback')", {"n": 10**6})
    assert run("IFERROR(x / 0, 'fallback')", {"x": 1}) is None  # division by zero is blank


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("SWITCH(s, 'a', 1, 'b', 2)", None),
        ("SWITCH(s, 'a', 1, 'b', 2, 99)", 99),
        ("SWITCH(s, 'a', 1, 'c', 2, 99)", 2),
        ("SWITCH(n, 1, 'one', 2.0, 'two')", "two"),
    ],
)
def test_switch(source: str, expected: Any) -> None:
    assert run(source, {"s": "c", "n": Decimal("2")}) == expected


def test_current_user_comes_from_the_context() -> None:
    assert run("CURRENT_USER()", ctx=EvalContext(user_id="u-7")) == "u-7"
    assert run("CURRENT_USER()", ctx=EvalContext()) is None


@pytest.mark.parametrize(
    ("value", "blank"), [(None, True), ("", True), ([], True), (0, False), (" ", False)]
)
def test_isblank(value: Any, blank: bool) -> None:
    assert run("ISBLANK(v)", {"v": value}) is blank


# ---------------------------------------------------------------------- math


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ROUND(2.5)", 3.0),
        ("ROUND(-2.5)", -3.0),
        ("ROUND(d, 1)", Decimal("0.2")),
        ("ROUND(1234, -2)", 1200),
        ("ROUND(d2, -2)", Decimal("1300")),
        ("ROUND(n)", None),
        ("ROUND(d, n)", Decimal("0")),
        ("ROUNDUP(-1.21, 1)", -1.3),
        ("ROUNDDOWN(1.29, 1)", 1.2),
        ("CEILING(2.1)", 3),
        ("CEILING(-2.5)", -2),
        ("CEILING(d, 0.1)", Decimal("0.2")),
        ("CEILING(7, 0)", None),
        ("FLOOR(2.9)", 2),
        ("FLOOR(2.75, 0.5)", 2.5),
        ("INT(d)", 0),
        ("INT(7.9)", 7),
        ("ABS(d)", Decimal("0.15")),
        ("ABS(n)", None),
        ("MOD(7, -3)", -2),
        ("MOD(d, 0.1)", Decimal("0.05")),
        ("MOD(7, 0)", None),
        ("POWER(2, -1)", 0.5),
        ("POWER(0, -1)", None),
        ("SQRT(d)", Decimal("0.15").sqrt()),
        ("SQRT(n)", None),
    ],
)
def test_math_edge_cases(source: str, expected: Any) -> None:
    result = run(source, {"d": Decimal("0.15"), "d2": Decimal("1250"), "n": None})
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "source", ["SQRT(-1)", "ROUND('a')", "ROUND(1, 1.5)", "ROUND(1, 101)", "POWER(-8, 0.5)"]
)
def test_math_errors(source: str) -> None:
    with pytest.raises(ExpressionError):
        run(source.replace("'a'", "t"), {"t": "a"})


# ---------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("CONCAT('a', n, 1, 2.0, d, True)", "a120.15TRUE"),
        ("CONCAT('tags: ', tags)", "tags: vip, key"),
        ("CONCAT(day)", "2024-03-15"),
        ("LEN(n)", 0),
        ("LEN(tags)", 2),
        ("LEN(12345)", 5),
        ("LEFT('abc')", "a"),
        ("LEFT(n, 2)", ""),
        ("RIGHT('abc', 0)", ""),
        ("RIGHT('abc', 10)", "abc"),
        ("MID('abcdef', 2, 3)", "bcd"),
        ("MID('abc', 5, 3)", ""),
        ("UPPER(n)", ""),
        ("TRIM(' a \t b ')", "a b"),
        ("SUBSTITUTE('aaa', '', 'b')", "aaa"),
        ("CONTAINS(n, 'a')", False),
        ("STARTSWITH(n, '')", False),
        ("ENDSWITH('abc', '')", True),
        ("REPT('ab', 0)", ""),
        ("TEXT(n)", ""),
        ("TEXT(1234.5)", "1234.5"),
        ("TEXT(0.256, '0.0%')", "25.6%"),
        ("TEXT(-1234.567, '#,##0.00')", "-1,234.57"),
        ("TEXT(7, '000')", "007"),
        ("TEXT(2.5, '0')", "3"),
        ("TEXT(0.5, '#.##')", ".5"),
        ("TEXT(1.5, '0.0# 元')", "1.5 元"),
        ("TEXT(day, 'YYYY年M月D日')", "2024年3月15日"),
        ("TEXT(day, 'DD/MM/YY')", "15/03/24"),
        ("TEXT(moment, 'YYYY-MM-DD HH:mm:ss')", "2024-03-15 10:30:05"),
        ("TEXT(moment)", "2024-03-15 10:30:05+08:00"),
        ("TEXT(True, '0')", "TRUE"),
        ("VALUE('42')", 42),
        ("VALUE(' -3.5 ')", Decimal("-3.5")),
        ("VALUE('¥1,299')", 1299),
        ("VALUE('15%')", Decimal("0.15")),
        ("VALUE('1e3')", Decimal("1E+3")),
        ("VALUE(n)", None),
        ("VALUE(d)", Decimal("0.15")),
    ],
)
def test_text_edge_cases(source: str, expected: Any) -> None:
    values = {
        "n": None,
        "d": Decimal("0.15"),
        "tags": ["vip", "key"],
        "day": date(2024, 3, 15),
        # 02:30:05 UTC is 10:30:05 in Shanghai: TEXT shows the context's time zone.
        "moment": datetime(2024, 3, 15, 2, 30, 5, tzinfo=UTC),
    }
    result = run(source, values)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "source",
    [
        "VALUE('abc')",
        "VALUE('1.2.3')",
        "VALUE(True)",
        "LEFT('abc', -1)",
        "MID('abc', 0, 1)",
        "TEXT(1, 'abc')",
        "TEXT(1, REPT('0', 101))",
        "LEFT('abc', 1.5)",
    ],
)
def test_text_errors(source: str) -> None:
    with pytest.raises(ExpressionError):
        run(source)


# ---------------------------------------------------------------------- date

NOW_UTC = datetime(2024, 3, 15, 17, 0, tzinfo=UTC)  # already the 16th in Shanghai


def test_today_and_now_use_the_context_time_zone() -> None:
    ctx = EvalContext(now=NOW_UTC, tz=SHANGHAI)
    assert run("TODAY()", ctx=ctx) == date(2024, 3, 16)
    assert run("NOW()", ctx=ctx) == NOW_UTC
    assert run("NOW()", ctx=ctx).utcoffset() == timedelta(hours=8)
    assert run("TODAY()", ctx=EvalContext(now=NOW_UTC)) == date(2024, 3, 15)


def test_naive_now_is_taken_in_the_context_time_zone() -> None:
    ctx = EvalContext(now=datetime(2024, 3, 15, 23, 59), tz=SHANGHAI)
    assert run("TODAY()", ctx=ctx) == date(2024, 3, 15)


def test_wall_clock_when_now_is_not_pinned() -> None:
    assert run("TODAY()", ctx=EvalContext(tz=SHANGHAI)) == datetime.now(SHANGHAI).date()


def test_date_functions_read_timestamps_in_the_context_time_zone() -> None:
    values = {"created": NOW_UTC}
    ctx = EvalContext(now=NOW_UTC, tz=SHANGHAI)
    assert run("DAY(created)", values, ctx) == 16
    assert run("WEEKDAY(created)", values, ctx) == 6
    assert run("DATEDIFF(created, '2024-03-17')", values, ctx) == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("DATEDIFF('2024-03-15', '2024-03-01')", -14),
        ("DATEDIFF('2024-01-01', '2024-03-15', 'week')", 10),
        ("DATEDIFF('2023-03-16', '2024-03-15', 'year')", 0),
        ("DATEDIFF('2023-03-15', '2024-03-15', 'year')", 1),
        ("DATEDIFF('2024-03-15', '2024-01-31', 'month')", -1),
        ("DATEDIFF('2024-03-15', '2024-03-16', 'hour')", 24),
        ("DATEDIFF(t1, t2, 'minute')", 90),
        ("DATEDIFF(n, '2024-03-16')", None),
        ("DATEADD('2024-03-15', -15)", date(2024, 2, 29)),
        ("DATEADD('2024-03-15', 2, 'week')", date(2024, 3, 29)),
        ("DATEADD('2024-02-29', 1, 'year')", date(2025, 2, 28)),
        ("DATEADD('2024-03-15', 3, 'hour')", datetime(2024, 3, 15, 3, tzinfo=SHANGHAI)),
        ("DATEADD(n, 1)", None),
        ("EOMONTH('2024-12-05')", date(2024, 12, 31)),
        ("EOMONTH('2024-03-31', -1)", date(2024, 2, 29)),
        ("DATE(2024, 1, 31) + 1", date(2024, 2, 1)),
        ("DATE(n, 1, 1)", None),
        ("YEAR(n)", None),
        ("MONTH('2024-03-15T10:00:00+00:00')", 3),
    ],
)
def test_date_edge_cases(source: str, expected: Any) -> None:
    values = {
        "n": None,
        "t1": datetime(2024, 3, 15, 10, 0, tzinfo=SHANGHAI),
        "t2": datetime(2024, 3, 15, 3, 30, tzinfo=UTC),
    }
    result = run(source, values)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "source",
    [
        "DATE(2023, 2, 29)",
        "YEAR('15/03/2024')",
        "YEAR(5)",
        "DATEADD('2024-01-01', 1.5)",
        "DATEADD('9999-12-31', 1)",
        "DATEADD('2024-01-01', 10 ** 9, 'year')",
        "DATEDIFF('2024-01-01', '2024-01-02', unit)",
    ],
)
def test_date_errors(source: str) -> None:
    with pytest.raises(ExpressionError):
        run(source, {"unit": "fortnight"})


# ----------------------------------------------------------------- aggregate

LINES = [
    {"qty": 2, "price": Decimal("10.00"), "subtotal": Decimal("20.00")},
    {"qty": 1, "price": Decimal("5.50"), "subtotal": Decimal("5.50")},
    {"qty": None, "price": None, "subtotal": None},
]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("SUM(lines_none)", 0),
        ("SUM(1, n, 2)", 3),
        ("SUM([d, 0.1])", Decimal("0.25")),
        ("AVERAGE(n)", None),
        ("AVERAGE(1, 2)", 1.5),
        ("AVERAGE([d, d])", Decimal("0.15")),
        ("MIN([])", None),
        ("MIN('b', 'a')", "a"),
        ("MAX(DATE(2024, 1, 1), DATE(2023, 1, 1))", date(2024, 1, 1)),
        ("MAX(1, d)", 1),
        ("COUNT(1, n, '', [2, 3])", 3),
        ("SUMOF(lines, 'subtotal')", Decimal("25.50")),
        ("SUMOF(lines, 'missing')", 0),
        ("SUMOF(lines_none, 'subtotal')", 0),
        ("AVERAGEOF(lines, 'price')", Decimal("7.75")),
        ("MINOF(lines, 'qty')", 1),
        ("MAXOF(lines, 'subtotal')", Decimal("20.00")),
        ("MAXOF([], 'subtotal')", None),
        ("COUNTROWS(lines)", 3),
        ("COUNTROWS(lines_none)", 0),
    ],
)
def test_aggregate_edge_cases(source: str, expected: Any) -> None:
    result = run(source, {"lines": LINES, "lines_none": None, "n": None, "d": Decimal("0.15")})
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "source",
    [
        "SUM('a')",
        "SUMOF(5, 'x')",
        "SUMOF([1, 2], 'x')",
        "SUMOF(lines, 5)",
        "COUNTROWS('abc')",
        "MIN(1, 'a')",
    ],
)
def test_aggregate_errors(source: str) -> None:
    with pytest.raises(ExpressionError):
        run(source, {"lines": LINES})
