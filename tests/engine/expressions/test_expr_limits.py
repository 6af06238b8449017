"""Every limit, including the known simpleeval denials of service, fails fast and clearly."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from engine.expressions import ExpressionError, ExpressionLimitError, compile_expression
from engine.expressions.limits import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_NODES,
    MAX_SOURCE_LENGTH,
    MAX_STRING_LENGTH,
)


@contextmanager
def fast(seconds: float = 0.5) -> Iterator[None]:
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < seconds


def refused(action: Callable[[], Any], message: str, kind: type = ExpressionLimitError) -> None:
    with fast(), pytest.raises(kind) as info:
        action()
    assert message in info.value.message


def compiled(source: str) -> Callable[[], Any]:
    return lambda: compile_expression(source)


# ------------------------------------------------------------ compile limits


def test_source_length() -> None:
    longest = "'" + "a" * (MAX_SOURCE_LENGTH - 2) + "'"
    assert len(compile_expression(longest).evaluate()) == MAX_SOURCE_LENGTH - 2
    refused(compiled(longest + " "), "expression is too long (2,001 characters")


def test_fifty_thousand_character_expression_is_refused_before_parsing() -> None:
    refused(compiled("1+" * 25_000), "the limit is 2,000")
    refused(compiled("(" * 50_000), "too long")


def test_node_count() -> None:
    # SUM(1, …): one call, one name, the arguments.
    at_limit = "SUM(" + ",".join(["1"] * (MAX_NODES - 2)) + ")"
    assert compile_expression(at_limit).evaluate() == MAX_NODES - 2
    refused(compiled(at_limit[:-1] + ",1)"), f"more than {MAX_NODES} parts")


def test_nesting_depth() -> None:
    assert compile_expression("-" * (MAX_DEPTH - 1) + "1").evaluate() == -1
    err_source = "-" * MAX_DEPTH + "1"
    refused(compiled(err_source), f"more than {MAX_DEPTH} levels")
    refused(compiled("1" + "+1" * 200), "nested too deeply")
    refused(compiled("IF(x, " * 60 + "1" + ")" * 60), "nested too deeply")


def test_parser_nesting_is_an_expression_error() -> None:
    refused(compiled("(" * 300 + "1" + ")" * 300), "too many nested parentheses", ExpressionError)
    refused(compiled("[" * 300 + "]" * 300), "too many nested parentheses", ExpressionError)


# --------------------------------------------------------------- power


def test_power_of_power_denial_of_service() -> None:
    refused(compiled("(9**4000000)*(9**4000000)"), "exponent 4000000 is too large")


def test_power_exponent_limit() -> None:
    assert compile_expression(f"2 ** {MAX_EXPONENT}").evaluate() == 2**MAX_EXPONENT
    assert compile_expression(f"2 ** -{MAX_EXPONENT}").evaluate() == 2.0**-MAX_EXPONENT
    refused(compiled(f"2 ** {MAX_EXPONENT + 1}"), "too large")
    refused(compiled(f"POWER(2, {MAX_EXPONENT + 1})"), "too large")
    refused(lambda: compile_expression("x ** y").evaluate({"x": 9, "y": 4_000_000}), "too large")


def test_power_result_size() -> None:
    refused(compiled("(10 ** 100) ** 100"), "number is too large")
    refused(compiled("1e300 ** 2"), "number is too large")
    refused(lambda: compile_expression("x ** 100").evaluate({"x": 2**1000}), "too large")


def test_repeated_multiplication_of_large_numbers() -> None:
    source = "*".join(["(10 ** 100)"] * 5)
    refused(compiled(source), "number is too large")
    refused(
        lambda: compile_expression("a * a * a * a").evaluate({"a": 10**100}), "number is too large"
    )


# ------------------------------------------------------- repetition and text


def test_list_repetition_denial_of_service() -> None:
    refused(compiled("[[1]*10000]*10000"), "lists cannot be repeated", ExpressionError)
    refused(
        lambda: compile_expression("x * 10000").evaluate({"x": [1]}),
        "lists cannot be repeated",
        ExpressionError,
    )


def test_string_repetition() -> None:
    assert len(compile_expression(f"'a' * {MAX_STRING_LENGTH}").evaluate()) == MAX_STRING_LENGTH
    refused(compiled(f"'a' * {MAX_STRING_LENGTH + 1}"), "longer than 100,000 characters")
    refused(compiled("'x' * 10 ** 9"), "longer than")
    refused(compiled("10 ** 9 * 'x'"), "longer than")
    refused(lambda: compile_expression("s * n").evaluate({"s": "ab", "n": 10**12}), "longer than")


@pytest.mark.parametrize(
    "source",
    [
        "s + s",
        "CONCAT(s, s)",
        "REPT(s, 2)",
        "SUBSTITUTE(s, 'a', 'aa')",
        "CONCAT([s, s])",
        "TEXT([s, s])",
    ],
)
def test_text_growth_is_checked_before_building(source: str) -> None:
    big = "a" * 60_000
    refused(lambda: compile_expression(source).evaluate({"s": big}), "longer than")


def test_text_limits_are_not_caught_by_iferror() -> None:
    refused(compiled("IFERROR('a' * 10 ** 6, 'x')"), "longer than")


def test_doubling_cannot_escape_the_text_limit() -> None:
    source = "s" + " + s" * 40
    refused(lambda: compile_expression(source).evaluate({"s": "a" * 3000}), "longer than")


@pytest.mark.parametrize(
    "source",
    [
        "().__class__.__mro__",
        "().__class__.__mro__[1].__subclasses__()",
        "''.__class__.__base__",
        "(lambda: 1).__globals__",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "__import__('os').system('id')",
        "getattr(1, '__class__')",
        "type(1)",
        "format('{0.__class__}', 1)",
        "'{0.__class__}'.format(1)",
        "f'{().__class__}'",
        "globals()",
        "vars()",
        "exec('1')",
        "compile('1', '', 'eval')",
    ],
)
def test_known_sandbox_escapes_are_refused_at_compile_time(source: str) -> None:
    refused(compiled(source), "", ExpressionError)
