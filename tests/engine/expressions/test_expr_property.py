"""Property tests: the language agrees with Python's own arithmetic, and never crashes."""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.expressions import ExpressionError, compile_expression

Env = dict[str, Any]
Node = tuple[str, Callable[[Env], Any]]  # (source text, reference evaluation in Python)

INTS = st.integers(-1000, 1000)
NONZERO = INTS.filter(lambda n: n != 0)
VARIABLES = ("x", "y", "z")
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}
DIVISION = {"/": operator.truediv, "//": operator.floordiv, "%": operator.mod}
COMPARISON = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def literal(n: int) -> Node:
    return f"({n})", lambda env: n


def variable(name: str) -> Node:
    return name, lambda env: env[name]


LEAVES = st.one_of(INTS.map(literal), st.sampled_from(VARIABLES).map(variable))


def binary(symbol: str, fn: Callable[[Any, Any], Any], left: Node, right: Node) -> Node:
    return f"({left[0]} {symbol} {right[0]})", lambda env: fn(left[1](env), right[1](env))


def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    arithmetic = st.builds(
        lambda s, a, b: binary(s, ARITHMETIC[s], a, b),
        st.sampled_from(sorted(ARITHMETIC)),
        children,
        children,
    )
    # Divisors are non-zero literals: division by zero is blank in the language.
    division = st.builds(
        lambda s, a, n: binary(s, DIVISION[s], a, literal(n)),
        st.sampled_from(sorted(DIVISION)),
        children,
        NONZERO,
    )
    negation = children.map(lambda c: (f"(-{c[0]})", lambda env: -c[1](env)))
    # Powers of leaves with small exponents stay far below the size limits.
    power = st.builds(
        lambda base, e: binary("**", operator.pow, base, literal(e)),
        LEAVES,
        st.integers(0, 3),
    )
    return st.one_of(arithmetic, division, negation, power)


EXPRESSIONS = st.recursive(LEAVES, extend, max_leaves=12)


def comparison(symbol: str, left: Node, right: Node) -> Node:
    return binary(symbol, COMPARISON[symbol], left, right)


COMPARISONS = st.builds(comparison, st.sampled_from(sorted(COMPARISON)), EXPRESSIONS, EXPRESSIONS)


def extend_logic(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def both(word: str, a: Node, b: Node) -> Node:
        if word == "and":
            return f"({a[0]} and {b[0]})", lambda env: bool(a[1](env)) and bool(b[1](env))
        return f"({a[0]} or {b[0]})", lambda env: bool(a[1](env)) or bool(b[1](env))

    return st.one_of(
        st.builds(both, st.sampled_from(["and", "or"]), children, children),
        children.map(lambda c: (f"(not {c[0]})", lambda env: not c[1](env))),
    )


CONDITIONS = st.recursive(COMPARISONS, extend_logic, max_leaves=4)
ENVIRONMENTS = st.fixed_dictionaries({name: INTS for name in VARIABLES})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, ENVIRONMENTS)
def test_arithmetic_agrees_with_python(node: Node, env: Env) -> None:
    source, reference = node
    expected = reference(env)
    result = compile_expression(source, names=VARIABLES).evaluate(env)
    assert result == expected, source
    assert type(result) is type(expected), source


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONDITIONS, ENVIRONMENTS)
def test_comparisons_and_logic_agree_with_python(node: Node, env: Env) -> None:
    source, reference = node
    assert compile_expression(source, names=VARIABLES).evaluate(env) is reference(env), source


@given(
    st.sampled_from(["+", "-", "*", "/", "<", "=="]),
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)
def test_decimal_and_float_mix_through_the_shortest_repr(
    symbol: str, amount: Decimal, rate: float
) -> None:
    exact = Decimal(repr(rate))
    expected = {
        "+": lambda: amount + exact,
        "-": lambda: amount - exact,
        "*": lambda: amount * exact,
        "/": lambda: amount / exact if exact else None,
        "<": lambda: amount < exact,
        "==": lambda: amount == exact,
    }[symbol]()
    result = compile_expression(f"a {symbol} r").evaluate({"a": amount, "r": rate})
    assert result == expected


FUZZ_ALPHABET = "()[]+-*/%<>=!,.' 0123456789abxyIFROUNDSMAXLENTODAY_inotadr"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=FUZZ_ALPHABET, max_size=60), st.one_of(st.none(), INTS, st.text()))
def test_arbitrary_text_fails_only_with_expression_errors(source: str, value: Any) -> None:
    try:
        expr = compile_expression(source)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionError):
        expr.evaluate({name: value for name in expr.names})
