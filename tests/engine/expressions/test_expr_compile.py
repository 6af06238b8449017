"""compile_expression: what it accepts, what it refuses, and where it says so."""

from __future__ import annotations

import pytest

from engine.expressions import Expression, ExpressionError, compile_expression

FIELDS = {"amount", "discount", "stage", "close_date", "lines", "name", "x", "y"}


def error_of(source: str, names: set[str] | None = FIELDS) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, names=names)
    return info.value


# ------------------------------------------------------------------ accepted


def test_contract_example() -> None:
    expr = compile_expression("ROUND(amount * (1 - discount), 2)", names={"amount", "discount"})
    assert isinstance(expr, Expression)
    assert expr.names == frozenset({"amount", "discount"})
    assert expr.functions == frozenset({"ROUND"})
    assert expr.source == "ROUND(amount * (1 - discount), 2)"


@pytest.mark.parametrize("source", ["=TODAY()", "  = TODAY()", "TODAY()", "=\tTODAY() "])
def test_leading_equals_sign_is_optional(source: str) -> None:
    assert compile_expression(source).functions == frozenset({"TODAY"})


def test_names_none_accepts_any_field() -> None:
    assert compile_expression("anything + other").names == frozenset({"anything", "other"})


def test_function_names_are_case_insensitive() -> None:
    assert compile_expression("round(1.25, 1)").evaluate() == 1.3
    assert compile_expression("Round(x, 0)").functions == frozenset({"ROUND"})


@pytest.mark.parametrize(
    ("source", "value"),
    [("TRUE", True), ("false", False), ("NULL", None), ("null", None), ("True", True)],
)
def test_constant_spellings_are_not_fields(source: str, value: object) -> None:
    expr = compile_expression(source, names=set())
    assert expr.names == frozenset()
    assert expr.evaluate() is value


def test_line_breaks_count_as_spaces() -> None:
    expr = compile_expression("IF(amount > 1000,\n   'big',\r\n   'small')", names=FIELDS)
    assert expr.evaluate({"amount": 5000}) == "big"


def test_compile_is_cached_by_source_and_names() -> None:
    a = compile_expression("amount + 1", names={"amount"})
    assert compile_expression("amount + 1", names=["amount"]) is a
    assert compile_expression("amount + 1", names={"amount", "x"}) is not a


def test_names_lists_each_field_once() -> None:
    expr = compile_expression("x + x * y - SUMOF(lines, 'subtotal')", names=FIELDS)
    assert expr.names == frozenset({"x", "y", "lines"})


def test_repr_shows_source() -> None:
    assert repr(compile_expression("1 + 2")) == "Expression('1 + 2')"


def test_example_definition_expressions_compile() -> None:
    opportunity = {"stage", "amount", "discount", "lines", "close_date"}
    for source in [
        "=CURRENT_USER()",
        "ROUND(amount * (1 - discount), 2)",
        "stage == 'lost'",
        "stage not in ['won', 'lost']",
    ]:
        compile_expression(source, names=opportunity)
    compile_expression("qty * price", names={"qty", "price", "subtotal", "product"})


# ------------------------------------------------------------------- refused


def test_syntax_error() -> None:
    err = error_of("amount > 1 +* 2")
    assert err.message.startswith("syntax error")
    assert err.position == 12


def test_syntax_error_position_counts_the_equals_sign() -> None:
    assert error_of("= x == 1; y").position == 8


def test_unknown_field_with_suggestion_and_position() -> None:
    err = error_of("= amout + 1")
    assert err.message == "unknown field 'amout' (did you mean 'amount'?)"
    assert err.position == 2
    assert "(at character 2)" in str(err)


def test_position_is_in_characters_not_bytes() -> None:
    assert error_of("'合同编号' + amout").position == 9


def test_unknown_field_that_is_a_function_name() -> None:
    assert "write TODAY(…)" in error_of("today > close_date").message


def test_unknown_function() -> None:
    err = error_of("x + ROUNDUPP(x)")
    assert err.message == "unknown function 'ROUNDUPP' (did you mean ROUNDUP?)"
    assert err.position == 4


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ROUND()", "ROUND takes 1 to 2 arguments, got 0"),
        ("ROUND(1, 2, 3)", "ROUND takes 1 to 2 arguments, got 3"),
        ("TODAY(1)", "TODAY takes no arguments, got 1"),
        ("ABS(1, 2)", "ABS takes 1 argument, got 2"),
        ("SWITCH(x, 1)", "SWITCH takes at least 3 arguments, got 2"),
        ("SUMOF(lines)", "SUMOF takes 2 arguments, got 1"),
    ],
)
def test_wrong_number_of_arguments(source: str, message: str) -> None:
    assert error_of(source).message == message


def test_literal_choice_is_checked_at_compile_time() -> None:
    err = error_of("DATEDIFF(close_date, TODAY(), 'days')")
    assert err.message.startswith("DATEDIFF: 'days' is not one of day, week, month")
    assert err.position == 30


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("().__class__.__mro__", "attribute access"),
        ("().__class__.__mro__[1].__subclasses__()", "library can be called"),
        ("name.upper()", "library can be called"),
        ("x[0]", "indexing"),
        ("x[1:2]", "indexing"),
        ("[i for i in lines]", "comprehensions"),
        ("{i for i in lines}", "comprehensions"),
        ("{i: 1 for i in lines}", "comprehensions"),
        ("SUM(i for i in lines)", "comprehensions"),
        ("lambda: 1", "lambda"),
        ("(x := 1)", "assignment"),
        ("{'a': 1}", "dictionaries"),
        ("{1, 2}", "dictionaries"),
        ("f'{x}'", "f-strings"),
        ("SUM(*lines)", "unpacking"),
        ("ROUND(x, digits=2)", "keyword arguments"),
        ("ROUND(**x)", "keyword arguments"),
        ("x(1)", "unknown function"),
        ("ROUND(1)(2)", "library can be called"),
        ("x & 1", "operator '&'"),
        ("x | 1", "operator '|'"),
        ("x ^ 1", "operator '^'"),
        ("x << 1", "operator '<<'"),
        ("x >> 1", "operator '>>'"),
        ("~x", "operator '~'"),
        ("x @ y", "operator '@'"),
        ("x is 1", "'is' can only be used"),
        ("1j", "literal is not supported"),
        ("b'x'", "literal is not supported"),
        ("...", "literal is not supported"),
        ("x = 1", "syntax error"),
        ("import os", "syntax error"),
        ("x if y", "syntax error"),
        ("__import__('os')", "unknown function"),
        ("eval('1')", "unknown function"),
        ("open('/etc/passwd')", "unknown function"),
        ("await x", "'await'"),
    ],
)
def test_forbidden_syntax(source: str, fragment: str) -> None:
    assert fragment in error_of(source, names=None).message


@pytest.mark.parametrize("source", ["", "   ", "=", " = "])
def test_empty_expression(source: str) -> None:
    assert error_of(source).message == "expression is empty"


def test_source_must_be_text() -> None:
    with pytest.raises(ExpressionError, match="must be text"):
        compile_expression(42)  # type: ignore[arg-type]


def test_null_byte_is_a_syntax_error() -> None:
    assert "null bytes" in error_of("x\0").message


def test_constant_type_error_is_reported_at_compile_time() -> None:
    err = error_of("x + (1 + 'a')")
    assert err.message == "cannot add number and text"
    assert err.position == 5


def test_constant_error_inside_iferror_waits_for_run_time() -> None:
    assert compile_expression("IFERROR(1 + 'a', 0)").evaluate() == 0
    assert compile_expression("IFERROR(VALUE('abc'), -1)").evaluate() == -1


def test_dunder_names_are_just_missing_fields() -> None:
    # Names are looked up in the record only, never in Python's namespaces.
    assert compile_expression("__builtins__").evaluate() is None
    assert compile_expression("__import__", names=None).evaluate({}) is None


def test_names_must_be_a_collection_not_a_string() -> None:
    with pytest.raises(TypeError):
        compile_expression("amount", names="amount")
