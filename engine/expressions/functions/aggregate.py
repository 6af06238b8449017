"""Aggregates: SUM, AVERAGE, MIN, MAX, COUNT and, over sub-table rows, SUMOF,
AVERAGEOF, MINOF, MAXOF, COUNTROWS.

``SUM(a, b, c)`` and ``SUM(list)`` both work: list arguments are flattened
one level. Blank values are skipped (as spreadsheets skip empty cells).
A sub-table field's value is a list of row mappings; ``SUMOF(lines,
'subtotal')`` sums one column of it, so no attribute syntax is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.values import add, div, gt, is_number, lt, type_name
from engine.i18n import Message

from .logic import is_blank
from .spec import FunctionSet

functions = FunctionSet("aggregate")


def _flatten(values: Iterable[Any]) -> list[Any]:
    items: list[Any] = []
    for value in values:
        if isinstance(value, list | tuple):
            items.extend(v for v in value if not is_blank(v))
        elif not is_blank(value):
            items.append(value)
    return items


def _numbers(values: Iterable[Any], fn: str) -> list[Any]:
    items = _flatten(values)
    for item in items:
        if not is_number(item):
            raise ExpressionError(
                Message("formula.fn_numbers", fn=fn, got=type_name(item), value=f"{item!r:.40}")
            )
    return items


def _sum(items: list[Any]) -> Any:
    total: Any = 0
    for item in items:
        total = add(total, item)
    return total


def _average(items: list[Any]) -> Any:
    return div(_sum(items), len(items)) if items else None


def _extreme(items: list[Any], better: Any) -> Any:
    best: Any = None
    for item in items:
        if best is None or better(item, best):
            best = item
    return best


def _column(rows: Any, field: Any, fn: str) -> list[Any]:
    if rows is None:
        return []
    if not isinstance(field, str):
        raise ExpressionError(Message("formula.fn_field_text", fn=fn))
    if not isinstance(rows, list | tuple):
        raise ExpressionError(Message("formula.fn_rows_got", fn=fn, got=type_name(rows)))
    column = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise ExpressionError(Message("formula.fn_rows", fn=fn))
        column.append(row.get(field))
    return column


@functions.function(
    "SUM",
    args=(1, None),
    signature="SUM(number, …) or SUM(list)",
    doc="The total; blanks are skipped, nothing to add gives 0.",
    example="SUM(1, 2.5, [3, 4])",
    result=10.5,
)
def sum_(*values: Any) -> Any:
    return _sum(_numbers(values, "SUM"))


@functions.function(
    "AVERAGE",
    args=(1, None),
    signature="AVERAGE(number, …) or AVERAGE(list)",
    doc="The mean of the non-blank values; blank when there are none.",
    example="AVERAGE([2, 4, None, 9])",
    result=5.0,
)
def average(*values: Any) -> Any:
    return _average(_numbers(values, "AVERAGE"))


@functions.function(
    "MIN",
    args=(1, None),
    signature="MIN(value, …) or MIN(list)",
    doc="The smallest non-blank value (numbers, dates or texts); blank when there are none.",
    example="MIN(3, 1, 2)",
    result=1,
)
def min_(*values: Any) -> Any:
    return _extreme(_flatten(values), lt)


@functions.function(
    "MAX",
    args=(1, None),
    signature="MAX(value, …) or MAX(list)",
    doc="The largest non-blank value (numbers, dates or texts); blank when there are none.",
    example="MAX(amount, 1000)",
    example_values={"amount": Decimal("1250.00")},
    result=Decimal("1250.00"),
)
def max_(*values: Any) -> Any:
    return _extreme(_flatten(values), gt)


@functions.function(
    "COUNT",
    args=(1, None),
    signature="COUNT(value, …) or COUNT(list)",
    doc="How many values are not blank.",
    example="COUNT(['a', '', None, 'b'])",
    result=2,
)
def count(*values: Any) -> int:
    return len(_flatten(values))


_LINES = [
    {"product": "Desk", "qty": 2, "price": Decimal("300.00"), "subtotal": Decimal("600.00")},
    {"product": "Chair", "qty": 4, "price": Decimal("85.50"), "subtotal": Decimal("342.00")},
    {"product": "Lamp", "qty": None, "price": Decimal("40.00"), "subtotal": None},
]


@functions.function(
    "SUMOF",
    args=(2, 2),
    signature="SUMOF(rows, 'field')",
    doc="The total of one field over the rows of a sub-table (0 when there are none).",
    example="SUMOF(lines, 'subtotal')",
    example_values={"lines": _LINES},
    result=Decimal("942.00"),
)
def sumof(rows: Any, field: Any) -> Any:
    return _sum(_numbers(_column(rows, field, "SUMOF"), "SUMOF"))


@functions.function(
    "AVERAGEOF",
    args=(2, 2),
    signature="AVERAGEOF(rows, 'field')",
    doc="The mean of one field over the rows of a sub-table, skipping blanks.",
    example="AVERAGEOF(lines, 'qty')",
    example_values={"lines": _LINES},
    result=3.0,
)
def averageof(rows: Any, field: Any) -> Any:
    return _average(_numbers(_column(rows, field, "AVERAGEOF"), "AVERAGEOF"))


@functions.function(
    "MINOF",
    args=(2, 2),
    signature="MINOF(rows, 'field')",
    doc="The smallest value of one field over the rows of a sub-table.",
    example="MINOF(lines, 'price')",
    example_values={"lines": _LINES},
    result=Decimal("40.00"),
)
def minof(rows: Any, field: Any) -> Any:
    return _extreme(_flatten(_column(rows, field, "MINOF")), lt)


@functions.function(
    "MAXOF",
    args=(2, 2),
    signature="MAXOF(rows, 'field')",
    doc="The largest value of one field over the rows of a sub-table.",
    example="MAXOF(lines, 'price')",
    example_values={"lines": _LINES},
    result=Decimal("300.00"),
)
def maxof(rows: Any, field: Any) -> Any:
    return _extreme(_flatten(_column(rows, field, "MAXOF")), gt)


@functions.function(
    "COUNTROWS",
    args=(1, 1),
    signature="COUNTROWS(rows)",
    doc="The number of rows of a sub-table (0 when blank).",
    example="COUNTROWS(lines)",
    example_values={"lines": _LINES},
    result=3,
)
def countrows(rows: Any) -> int:
    if rows is None:
        return 0
    if not isinstance(rows, list | tuple):
        raise ExpressionError(
            f"COUNTROWS needs a sub-table (a list of rows), got {type_name(rows)}"
        )
    return len(rows)
