"""Translate the SQL-translatable subset of an expression to SQLAlchemy Core.

The subset: literals, field names, ``+ - * /``, unary ``-``, comparisons
(chained too), ``in``/``not in`` a literal list, ``and``/``or``/``not``,
``is None``, and the functions ``ISBLANK``, ``NOT``, ``AND``, ``OR``,
``TODAY`` and ``CURRENT_USER``. Anything else raises ``ExpressionError("…
cannot be used in a database filter")`` — the caller then filters in Python
or refuses the definition.

SQL's three-valued logic differs from the language's: ``not (amount > 5)``
is true for a blank amount in Python but NULL in SQL. The translator keeps
the two in step by pushing negation inward (``cond(node, negate=True)``) and
adding ``IS NULL`` alternatives exactly where Python would answer true for a
blank, so that a row matches the SQL condition if and only if ``evaluate``
is truthy for it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from .compiler import _EMPTY, CONSTANT_NAMES, _Compiler
from .context import DEFAULT_CONTEXT, EvalContext
from .errors import ExpressionError
from .functions import FUNCTIONS

ColumnElement = sa.ColumnElement[Any]

_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ORDER: dict[type[ast.cmpop], Callable[[Any, Any], ColumnElement]] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
_INVERSE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.GtE: ast.Lt,
}
_SYMBOL = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_NO_VALUE = object()


class SqlTranslator:
    """One translation: ``columns`` maps field keys to column expressions."""

    def __init__(
        self,
        columns: Mapping[str, ColumnElement],
        ctx: EvalContext | None,
        where: Callable[[ast.AST], int | None],
    ) -> None:
        self.columns = columns
        self.ctx = ctx
        self.where = where

    def error(self, what: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(f"{what} cannot be used in a database filter", self.where(node))

    # ------------------------------------------------------------ literals

    def literal_value(self, node: ast.expr) -> Any:
        """The value of a literal node, or ``_NO_VALUE``."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in CONSTANT_NAMES:
            return CONSTANT_NAMES[node.id]
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub | ast.UAdd)
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, int | float)
            and not isinstance(node.operand.value, bool)
        ):
            value = node.operand.value
            return -value if isinstance(node.op, ast.USub) else value
        if not isinstance(node, ast.Name | ast.List | ast.Tuple) and self.computable(node):
            # No field in it: compute it here (``TODAY() - 7``, ``DATE(2024, 1, 1)``).
            return _Compiler(None, 0, "").compile(node).fn(_EMPTY, self.ctx or DEFAULT_CONTEXT)
        return _NO_VALUE

    def computable(self, node: ast.expr) -> bool:
        """No field in it, and no clock or user unless the context is given."""
        calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
        function_names = {id(c.func) for c in calls}
        for call in calls:
            assert isinstance(call.func, ast.Name)
            if not FUNCTIONS[call.func.id.upper()].pure and self.ctx is None:
                return False
        return not any(
            isinstance(child, ast.Name)
            and id(child) not in function_names
            and child.id not in CONSTANT_NAMES
            for child in ast.walk(node)
        )

    @staticmethod
    def bind(value: Any) -> ColumnElement:
        if value is None:
            return sa.null()
        if value is True:
            return sa.true()
        if value is False:
            return sa.false()
        return sa.literal(value)

    # -------------------------------------------------------------- values

    def value(self, node: ast.expr) -> ColumnElement:
        """A node used as a value (operand of arithmetic or comparison)."""
        literal = self.literal_value(node)
        if literal is not _NO_VALUE:
            return self.bind(literal)
        if isinstance(node, ast.Name):
            column = self.columns.get(node.id)
            if column is None:
                raise self.error(f"field '{node.id}'", node)
            return column
        if isinstance(node, ast.BinOp):
            symbol = _ARITHMETIC.get(type(node.op))
            if symbol is None:
                raise self.error(f"operator '{_SYMBOL.get(type(node.op), '?')}'", node)
            left, right = self.value(node.left), self.value(node.right)
            if symbol in "+-" and any(
                isinstance(side.type, sa.Date | sa.DateTime) for side in (left, right)
            ):
                raise self.error("date arithmetic on a field or the database's date", node)
            if symbol == "+":
                return left + right
            if symbol == "-":
                return left - right
            if symbol == "*":
                return left * right
            divisor = self.literal_value(node.right)
            if divisor is _NO_VALUE:  # x / 0 is blank, as in Python evaluation
                right = sa.func.nullif(right, 0, type_=right.type)
            elif not divisor:
                return sa.null()
            return left / right
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.value(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.value(node.operand)
            return self.cond(node)
        if isinstance(node, ast.BoolOp | ast.Compare):
            return self.cond(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id.upper()
            if name == "TODAY":
                return sa.func.current_date()
            if name == "CURRENT_USER":
                raise self.error("CURRENT_USER() without a user context", node)
            if name in ("ISBLANK", "NOT", "AND", "OR"):
                return self.cond(node)
            raise self.error(f"{name}()", node)
        if isinstance(node, ast.IfExp):
            raise self.error("'… if … else …'", node)
        if isinstance(node, ast.List | ast.Tuple):
            raise self.error("a list outside 'in [...]'", node)
        raise self.error(f"'{type(node).__name__}'", node)

    # ---------------------------------------------------------- conditions

    def cond(self, node: ast.expr, negate: bool = False) -> ColumnElement:
        """A node used as a condition: TRUE exactly where Python is truthy
        (or, with ``negate``, exactly where Python is falsy)."""
        literal = self.literal_value(node)
        if literal is not _NO_VALUE:
            return sa.true() if bool(literal) != negate else sa.false()
        if isinstance(node, ast.BoolOp):
            return self.junction(isinstance(node.op, ast.And), node.values, negate)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.cond(node.operand, not negate)
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            parts = [
                self.pair(operands[i], op, operands[i + 1], negate) for i, op in enumerate(node.ops)
            ]
            if len(parts) == 1:
                return parts[0]
            return sa.or_(*parts) if negate else sa.and_(*parts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id.upper()
            if name == "ISBLANK" and len(node.args) == 1:
                return self.blank(node.args[0], negate)
            if name == "NOT" and len(node.args) == 1:
                return self.cond(node.args[0], not negate)
            if name in ("AND", "OR") and node.args:
                return self.junction(name == "AND", node.args, negate)
        if isinstance(node, ast.Name):
            column = self.value(node)
            if isinstance(column.type, sa.Boolean):
                return column.is_not(sa.true()) if negate else column.is_(sa.true())
            raise self.error(
                f"field '{node.id}' on its own as a condition (compare it, e.g. {node.id} > 0)",
                node,
            )
        raise self.error(f"{ast.unparse(node)!r:.60} as a condition", node)

    def junction(self, conjunction: bool, nodes: list[ast.expr], negate: bool) -> ColumnElement:
        parts = [self.cond(n, negate) for n in nodes]
        if conjunction != negate:  # and, or a negated or (De Morgan)
            return sa.and_(*parts)
        return sa.or_(*parts)

    def blank(self, node: ast.expr, negate: bool) -> ColumnElement:
        column = self.value(node)
        if isinstance(column.type, sa.String):
            if negate:
                return sa.and_(column.is_not(None), column != "")
            return sa.or_(column.is_(None), column == "")
        return column.is_not(None) if negate else column.is_(None)

    def pair(self, left: ast.expr, op: ast.cmpop, right: ast.expr, negate: bool) -> ColumnElement:
        kind = type(op)
        if kind in (ast.NotEq, ast.IsNot, ast.NotIn):
            negate = not negate
            kind = {ast.NotEq: ast.Eq, ast.IsNot: ast.Is, ast.NotIn: ast.In}[kind]
        if kind is ast.In:
            return self.membership(left, right, negate)
        left_value, right_value = self.literal_value(left), self.literal_value(right)
        if kind in (ast.Eq, ast.Is):
            if right_value is None or left_value is None:
                subject = self.value(left if right_value is None else right)
                return subject.is_not(None) if negate else subject.is_(None)
            a, b = self.value(left), self.value(right)
            if left_value is _NO_VALUE and right_value is _NO_VALUE:
                return a.is_distinct_from(b) if negate else a.is_not_distinct_from(b)
            if not negate:
                return a == b
            subject = a if left_value is _NO_VALUE else b
            return sa.or_(a != b, subject.is_(None))
        a, b = self.value(left), self.value(right)
        if not negate:
            return _ORDER[kind](a, b)
        nullable = [e.is_(None) for e, v in ((a, left_value), (b, right_value)) if v is _NO_VALUE]
        return sa.or_(_ORDER[_INVERSE[kind]](a, b), *nullable)

    def membership(self, left: ast.expr, right: ast.expr, negate: bool) -> ColumnElement:
        if not isinstance(right, ast.List | ast.Tuple):
            raise self.error("'in' with something other than a list of values", right)
        items = []
        for element in right.elts:
            value = self.literal_value(element)
            if value is _NO_VALUE:
                raise self.error("'in' a list that holds more than plain values", element)
            items.append(value)
        has_null = None in items
        items = [i for i in items if i is not None]
        subject = self.value(left)
        if not negate:
            found = subject.in_(items) if items else sa.false()
            return sa.or_(found, subject.is_(None)) if has_null else found
        if has_null:
            present = subject.is_not(None)
            return sa.and_(subject.not_in(items), present) if items else present
        if not items:
            return sa.true()
        return sa.or_(subject.not_in(items), subject.is_(None))
