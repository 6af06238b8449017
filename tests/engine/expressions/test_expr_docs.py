"""docs/expressions.md is generated: the committed file must equal the generator's output."""

from __future__ import annotations

from engine.expressions import FUNCTIONS
from engine.expressions.docs import DOC_PATH, generate, main


def test_committed_doc_is_up_to_date() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == generate(), (
        "docs/expressions.md is out of date: run python -m engine.expressions.docs"
    )


def test_doc_lists_every_function_with_its_example() -> None:
    text = generate()
    for spec in FUNCTIONS.values():
        assert f"`{spec.signature}`" in text
        assert f"`{spec.example}`" in text


def test_check_mode_passes_on_the_committed_doc() -> None:
    assert main(["--check"]) == 0


def _table_rows(section: str) -> list[list[str]]:
    """The backticked cells of each row of the first table under ``## {section}``."""
    import re

    text = generate().split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    cells = [re.findall(r"`([^`]+)`", line) for line in text.splitlines() if line[:2] == "| "]
    return [row for row in cells if len(row) >= 2]


def test_error_examples_in_the_doc_are_true() -> None:
    import pytest

    from engine.expressions import ExpressionError, compile_expression

    rows = _table_rows("Errors")
    assert len(rows) >= 8
    for example, message in rows:
        with pytest.raises(ExpressionError) as info:
            names = {"amount", "name", "a", "b", "x"}
            compile_expression(example, names=names).evaluate({"name": "a"})
        assert info.value.message.startswith(message.split("…")[0]), example


def test_sql_examples_in_the_doc_are_true() -> None:
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite

    from engine.expressions import compile_expression

    table = sa.table(
        "t",
        sa.column("stage", sa.String),
        sa.column("name", sa.String),
        sa.column("amount", sa.Numeric),
        sa.column("budget", sa.Numeric),
        sa.column("qty", sa.Integer),
        sa.column("close_date", sa.Date),
    )
    rows = _table_rows("Database filters")
    assert len(rows) >= 8
    for example, expected, *_ in rows:
        element = compile_expression(example).to_sql(table.c)
        compiled = element.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        assert str(compiled).replace("t.", "") == expected, example
