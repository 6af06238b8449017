"""Logic and information: IF, AND, OR, NOT, ISBLANK, COALESCE, IFNULL, IFERROR, SWITCH,
CURRENT_USER.

"Blank" means ``None``, the empty text ``''`` or an empty list, everywhere
in the library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.expressions.context import EvalContext
from engine.expressions.errors import ExpressionError, ExpressionLimitError
from engine.expressions.values import eq

from .spec import Compiled, FunctionSet

functions = FunctionSet("logic")


def is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


@functions.function(
    "IF",
    args=(2, 3),
    signature="IF(condition, then, [otherwise])",
    doc="`then` when the condition is true, else `otherwise` (blank when omitted). "
    "Only the chosen branch is evaluated.",
    example="IF(amount > 1000, 'big', 'small')",
    example_values={"amount": 1500},
    result="big",
    kind="lazy",
)
def if_(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> Any:
    if args[0](values, ctx):
        return args[1](values, ctx)
    return args[2](values, ctx) if len(args) > 2 else None


@functions.function(
    "AND",
    args=(1, None),
    signature="AND(condition, …)",
    doc="True when every argument is true; stops at the first false one.",
    example="AND(1 < 2, 'a' == 'a')",
    result=True,
    kind="lazy",
)
def and_(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> bool:
    return all(arg(values, ctx) for arg in args)


@functions.function(
    "OR",
    args=(1, None),
    signature="OR(condition, …)",
    doc="True when any argument is true; stops at the first true one.",
    example="OR(1 > 2, 'a' == 'a')",
    result=True,
    kind="lazy",
)
def or_(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> bool:
    return any(arg(values, ctx) for arg in args)


@functions.function(
    "NOT",
    args=(1, 1),
    signature="NOT(condition)",
    doc="True when the argument is false or blank.",
    example="NOT(1 > 2)",
    result=True,
)
def not_(value: Any) -> bool:
    return not value


@functions.function(
    "ISBLANK",
    args=(1, 1),
    signature="ISBLANK(value)",
    doc="True when the value is blank: empty, `''` or an empty list.",
    example="ISBLANK(phone)",
    example_values={"phone": None},
    result=True,
    category="info",
)
def isblank(value: Any) -> bool:
    return is_blank(value)


@functions.function(
    "COALESCE",
    args=(1, None),
    signature="COALESCE(value, …)",
    doc="The first argument that is not blank (blank when all are). "
    "Later arguments are evaluated only when needed.",
    example="COALESCE(nickname, name, 'anonymous')",
    example_values={"nickname": "", "name": "Li Lei"},
    result="Li Lei",
    kind="lazy",
)
def coalesce(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> Any:
    for arg in args:
        value = arg(values, ctx)
        if not is_blank(value):
            return value
    return None


@functions.function(
    "IFNULL",
    args=(2, 2),
    signature="IFNULL(value, fallback)",
    doc="`value`, or `fallback` when `value` is blank.",
    example="IFNULL(discount, 0)",
    example_values={"discount": None},
    result=0,
    kind="lazy",
)
def ifnull(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> Any:
    value = args[0](values, ctx)
    return args[1](values, ctx) if is_blank(value) else value


@functions.function(
    "IFERROR",
    args=(2, 2),
    signature="IFERROR(value, fallback)",
    doc="`value`, or `fallback` when computing `value` fails (e.g. `VALUE('abc')`). "
    "Limit errors (too large, too long) are not caught.",
    example="IFERROR(VALUE('abc'), 0)",
    result=0,
    kind="lazy",
)
def iferror(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> Any:
    try:
        return args[0](values, ctx)
    except ExpressionLimitError:
        raise
    except (ExpressionError, ArithmeticError, TypeError, ValueError):
        return args[1](values, ctx)


@functions.function(
    "SWITCH",
    args=(3, None),
    signature="SWITCH(value, case1, result1, …, [default])",
    doc="The result paired with the first case equal to `value`; `default` (or blank) "
    "when none is. Cases are compared in order and only as far as needed.",
    example="SWITCH(stage, 'won', 1, 'lost', 0, 0.5)",
    example_values={"stage": "lost"},
    result=0,
    kind="lazy",
)
def switch(args: Sequence[Compiled], values: Mapping[str, Any], ctx: EvalContext) -> Any:
    subject = args[0](values, ctx)
    pairs = len(args) - 1
    for i in range(1, pairs - pairs % 2 + 1, 2):
        if eq(subject, args[i](values, ctx)):
            return args[i + 1](values, ctx)
    return args[-1](values, ctx) if pairs % 2 else None


@functions.function(
    "CURRENT_USER",
    args=(0, 0),
    signature="CURRENT_USER()",
    doc="The id of the user the expression is evaluated for (blank for system jobs).",
    example="CURRENT_USER()",
    result=42,
    kind="context",
    pure=False,
    category="info",
)
def current_user(ctx: EvalContext) -> Any:
    return ctx.user_id
