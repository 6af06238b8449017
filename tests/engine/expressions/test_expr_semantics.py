"""Evaluation semantics: blanks, Decimal/float mixing, comparisons, dates, errors."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from engine.expressions import EvalContext, ExpressionError, compile_expression

VALUES: dict[str, Any] = {
    "blank": None,
    "zero": 0,
    "amount": Decimal("1500.00"),
    "discount": 0.1,
    "qty": 3,
    "stage": "lost",
    "tags": ["vip", "key_account"],
    "close_date": date(2024, 3, 15),
    "created": datetime(2024, 3, 15, 9, 0, tzinfo=UTC),
    "naive": datetime(2024, 3, 15, 9, 0),
    "lines": [{"subtotal": Decimal("1.50")}],
}


def run(source: str, **extra: Any) -> Any:
    return compile_expression(source).evaluate({**VALUES, **extra}, EvalContext())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # arithmetic with a blank is blank
        ("blank + 1", None),
        ("1 - blank", None),
        ("blank * 2", None),
        ("-blank", None),
        ("blank ** 2", None),
        ("'a' + blank", None),
        # division by zero is blank, never an error
        ("1 / zero", None),
        ("1 // zero", None),
        ("1 % zero", None),
        ("amount / 0", None),
        ("amount / 0.0", None),
        ("0 / 0", None),
        ("COALESCE(qty / zero, -1)", -1),
        # ordering comparisons with a blank are false, both ways
        ("blank > 0", False),
        ("blank <= 0", False),
        ("0 < blank", False),
        ("blank < blank", False),
        ("not (blank > 0)", True),
        # == and != treat blank as a value
        ("blank == None", True),
        ("blank != None", False),
        ("blank == blank", True),
        ("blank == 0", False),
        ("blank != 'lost'", True),
        ("blank is None", True),
        ("stage is not None", True),
        # membership
        ("blank in ['a', 'b']", False),
        ("blank not in ['a', 'b']", True),
        ("blank in ['a', None]", True),
        ("'vip' in tags", True),
        ("'vip' in blank", False),
        ("'os' in stage", True),
        ("stage in ('won', 'lost')", True),
        ("amount in [1500, 2000]", True),
        ("discount in [0.1]", True),
        ("tags in [['vip', 'key_account']]", True),
        # truthiness, and/or always give booleans
        ("blank or zero", False),
        ("stage and qty", True),
        ("not blank", True),
        ("not ''", True),
        ("IF(tags, 'has tags', 'none')", "has tags"),
        ("'x' if blank else 'y'", "y"),
        # chained comparisons
        ("0 < qty <= 3", True),
        ("0 < qty < 3", False),
        ("1 < 2 < blank", False),
    ],
)
def test_blank_and_logic_rules(source: str, expected: Any) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("amount * (1 - discount)", Decimal("1350.000")),
        ("amount * discount", Decimal("150.000")),
        ("discount * amount", Decimal("150.000")),
        ("amount + discount", Decimal("1500.10")),
        ("discount - amount", Decimal("-1499.90")),
        ("amount / 4", Decimal("375.00")),
        ("amount // 7", Decimal("214")),
        ("-amount // 7", Decimal("-215")),
        ("amount % 7", Decimal("2.00")),
        ("-amount % 7", Decimal("5.00")),
        ("amount % -7", Decimal("-5.00")),
        ("amount ** 2", Decimal("2250000.0000")),
        ("ROUND(amount * (1 - discount), 2)", Decimal("1350.00")),
        ("1 - discount", 0.9),
        ("qty / 2", 1.5),
        ("qty // 2", 1),
        ("qty * 0.5", 1.5),
        ("True + 1", 2),
    ],
)
def test_decimal_and_float_mix(source: str, expected: Any) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)
    if isinstance(expected, Decimal):
        assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("d == 0.1", True),
        ("0.1 == d", True),
        ("d == f", True),
        ("d != f", False),
        ("d < 0.1", False),
        ("d <= f", True),
        ("d > 0.1", False),
        ("d >= f", True),
        ("f in [d]", True),
        ("d == 1", False),
        ("Decimal1 == 1", True),
        ("Decimal1 > 0.5", True),
    ],
)
def test_decimal_float_comparisons_are_by_shortest_value(source: str, expected: bool) -> None:
    # Python itself says Decimal('0.1') < 0.1; the language compares the values users wrote.
    assert run(source, d=Decimal("0.1"), f=0.1, Decimal1=Decimal("1.00")) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("close_date + 30", date(2024, 4, 14)),
        ("30 + close_date", date(2024, 4, 14)),
        ("close_date - 15", date(2024, 2, 29)),
        ("close_date - DATE(2024, 1, 1)", 74),
        ("created - close_date", 0.375),
        ("close_date < created", True),
        ("close_date == DATE(2024, 3, 15)", True),
        ("close_date > '2024-01-01'", None),  # see test below: text vs date is an error
    ],
)
def test_dates(source: str, expected: Any) -> None:
    if expected is None:
        with pytest.raises(ExpressionError, match="cannot compare date > text"):
            run(source)
        return
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("stage < 1", "cannot compare text < number"),
        ("stage + 1", "cannot add text and number"),
        ("qty - stage", "cannot subtract text from number"),
        ("stage * stage", "cannot multiply text by text"),
        ("stage / 2", "cannot divide text by number"),
        ("-stage", "cannot negate text"),
        ("+stage", "cannot use unary + on text"),
        ("tags * 2", "lists cannot be repeated"),
        ("tags + tags", "cannot add list and list"),
        ("1 in qty", "'in' needs a list or a text"),
        ("1 in stage", "'in' a text needs a text"),
        ("naive < created", "time zone"),
        ("stage ** 2", "cannot raise text"),
        ("(-8) ** discount", "negative number to a fractional power"),
        ("(-8) ** Decimal1", "negative number to a fractional power"),
    ],
)
def test_type_errors_are_expression_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("+", r"\+").replace("*", r"\*")):
        run(source, Decimal1=Decimal("0.5"))


def test_errors_never_leak_python_exceptions() -> None:
    expr = compile_expression("MAX(a, b)")
    with pytest.raises(ExpressionError):
        expr.evaluate({"a": Decimal("NaN"), "b": Decimal("1")})


def test_equality_across_types_is_false_not_an_error() -> None:
    assert run("stage == 1") is False
    assert run("tags == 'vip'") is False
    assert run("close_date == created") is False


def test_missing_field_is_blank_and_values_may_be_omitted() -> None:
    expr = compile_expression("IFNULL(x, 'none')")
    assert expr.evaluate({}) == "none"
    assert expr.evaluate() == "none"


def test_values_may_be_any_mapping() -> None:
    from types import MappingProxyType

    assert compile_expression("x * 2").evaluate(MappingProxyType({"x": 21})) == 42


def test_list_results_are_fresh_copies() -> None:
    expr = compile_expression("[1, 2]")
    first = expr.evaluate()
    first.append(3)
    assert expr.evaluate() == [1, 2]


def test_constant_parts_are_folded_once() -> None:
    expr = compile_expression("x * (60 * 60 * 24)")
    assert expr.evaluate({"x": 2}) == 172800
    assert expr.functions == frozenset()


def test_evaluation_speed_of_a_two_condition_condition() -> None:
    """The contract asks for >= 100,000 evaluations/s; closures give about 10x that."""
    expr = compile_expression("stage == 'lost' and amount > 1000")
    records = [
        {"stage": "lost", "amount": Decimal("1500.00")},
        {"stage": "won", "amount": Decimal("900.00")},
    ] * 10_000
    ctx = EvalContext()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for record in records:
            expr.evaluate(record, ctx)
        best = min(best, time.perf_counter() - start)
    assert len(records) / best > 100_000
