"""Compile expression text, once, into a tree of Python closures.

Pipeline: length check → ``ast.parse(mode="eval")`` (parsing only; the text
is never executed) → one iterative pass over the tree that enforces the
allowlist, ``MAX_NODES`` and ``MAX_DEPTH`` → a recursive pass (safe: depth is
bounded now) that resolves names and functions and builds one closure per
node, folding constant sub-expressions. Evaluation then only calls those
closures: there is no interpreter loop and no ``eval``.

Why not ``simpleeval`` itself: it re-walks the AST on every call (~180k/s
parsed once, ~32k/s re-parsing), evaluates all function arguments eagerly (no
short-circuit ``IF``), and leaves size limits to runtime. This module keeps
its model — an allowlist of AST nodes, no attribute access, bounded power and
repetition — and moves every check it can to compile time.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import values as V
from .context import DEFAULT_CONTEXT, EvalContext
from .errors import ExpressionError, ExpressionLimitError
from .functions import FUNCTIONS, Compiled
from .limits import MAX_DEPTH, MAX_NODES, MAX_SOURCE_LENGTH

if TYPE_CHECKING:
    import sqlalchemy as sa

_EMPTY: Mapping[str, Any] = MappingProxyType({})

CONSTANT_NAMES: Mapping[str, Any] = MappingProxyType(
    {"TRUE": True, "FALSE": False, "NULL": None, "true": True, "false": False, "null": None}
)
"""Spreadsheet- and JSON-style spellings of the Python constants."""

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: V.add,
    ast.Sub: V.sub,
    ast.Mult: V.mul,
    ast.Div: V.div,
    ast.FloorDiv: V.floordiv,
    ast.Mod: V.mod,
    ast.Pow: V.power,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: V.neg,
    ast.UAdd: V.pos,
    ast.Not: V.not_,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: V.eq,
    ast.NotEq: V.ne,
    ast.Lt: V.lt,
    ast.LtE: V.le,
    ast.Gt: V.gt,
    ast.GtE: V.ge,
    ast.In: lambda a, b: V.contains(b, a),
    ast.NotIn: lambda a, b: V.not_contains(b, a),
    ast.Is: V.is_,
    ast.IsNot: V.is_not,
}
_NATIVE_ORDER: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.MatMult: "@",
    ast.Invert: "~",
}
_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing and slicing ('x[…]') are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.Dict: "'{…}' (dictionaries and sets) is not allowed",
    ast.Set: "'{…}' (dictionaries and sets) is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
    ast.Slice: "slicing is not allowed",
}
_ALLOWED_CONSTANTS = (int, float, str, bool, type(None))


@dataclass(slots=True)
class _Node:
    """A compiled sub-expression and what the compiler knows about it."""

    fn: Compiled
    const: bool = False
    value: Any = None
    boolean: bool = False  # always returns True or False
    key: str | None = None  # a plain field reference: comparisons read it directly


def _constant(value: Any) -> _Node:
    if isinstance(value, list):
        frozen = tuple(value)
        return _Node(lambda v, c: list(frozen), True, value)
    return _Node(lambda v, c: value, True, value, isinstance(value, bool))


# ------------------------------------------------------------------ parsing


def parse(source: str) -> tuple[ast.expr, int, str]:
    """Check the length and parse; returns (tree, offset of the text in ``source``, text).

    An optional leading ``=`` (as in a default of ``=TODAY()``) is skipped.
    Line breaks count as spaces, so a long formula may span several lines.
    """
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, got {type(source).__name__}")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionLimitError(
            f"expression is too long ({len(source):,} characters; "
            f"the limit is {MAX_SOURCE_LENGTH:,})"
        )
    base = len(source) - len(source.lstrip())
    if source.startswith("=", base):
        base += 1
        base += len(source[base:]) - len(source[base:].lstrip())
    text = source[base:].rstrip().replace("\r", " ").replace("\n", " ")
    if not text:
        raise ExpressionError("expression is empty", base)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        position = None if exc.offset is None else base + min(max(exc.offset - 1, 0), len(text))
        raise ExpressionError(f"syntax error: {exc.msg}", position) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionLimitError("expression cannot be parsed (too complex)", base) from None
    return tree.body, base, text


def _position(node: ast.AST, base: int, text: str) -> int | None:
    col = getattr(node, "col_offset", None)
    if col is None:
        return None
    if not text.isascii():
        col = len(text.encode("utf-8")[:col].decode("utf-8", "ignore"))
    return base + col


def _check_shape(tree: ast.expr, where: Callable[[ast.AST], int | None]) -> None:
    """The allowlist, node count and depth, without recursion."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            count += 1
            if count > MAX_NODES:
                raise ExpressionLimitError(
                    f"expression is too complex (more than {MAX_NODES} parts)", where(tree)
                )
            if depth > MAX_DEPTH:
                raise ExpressionLimitError(
                    f"expression is nested too deeply (more than {MAX_DEPTH} levels)", where(node)
                )
        problem = _FORBIDDEN.get(type(node))
        if problem is None:
            problem = _check_node(node)
        if problem is not None:
            raise ExpressionError(problem, where(node))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr | ast.keyword):
                stack.append((child, depth + 1))
            else:  # operators and contexts: check them, they have no children
                problem = _check_node(child)
                if problem is not None:
                    raise ExpressionError(problem, where(node))


def _qualified(node: ast.Attribute) -> str | None:
    """``old.status`` as the one name ``"old.status"``; None for anything deeper."""
    if isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _check_node(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        # A qualified name (``old.status``: the value before an update) is
        # one name to the compiler; anything else with a dot is attribute
        # access, which would reach Python objects.
        if _qualified(node) is None:
            return "attribute access ('x.name') is not allowed"
        return None
    if isinstance(node, ast.expr):
        if not isinstance(
            node,
            ast.Constant
            | ast.Name
            | ast.BinOp
            | ast.UnaryOp
            | ast.BoolOp
            | ast.Compare
            | ast.IfExp
            | ast.Call
            | ast.List
            | ast.Tuple,
        ):
            return f"'{type(node).__name__}' is not allowed in an expression"
        if isinstance(node, ast.Constant) and not isinstance(node.value, _ALLOWED_CONSTANTS):
            return f"this kind of literal is not supported: {node.value!r:.40}"
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                return "only functions of the library can be called, e.g. ROUND(x, 2)"
            if node.keywords:
                return "keyword arguments are not allowed (write the arguments in order)"
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.Is | ast.IsNot) and not (
                    isinstance(right, ast.Constant) and right.value is None
                ):
                    return "'is' can only be used as 'is None' or 'is not None'"
        return None
    if isinstance(node, ast.keyword):
        return "keyword arguments are not allowed (write the arguments in order)"
    if type(node) in _SYMBOLS:
        return f"operator '{_SYMBOLS[type(node)]}' is not supported"
    if isinstance(node, ast.Load | ast.boolop | ast.cmpop | ast.operator | ast.unaryop):
        return None
    return f"'{type(node).__name__}' is not allowed in an expression"


# ---------------------------------------------------------------- compiling


class _Compiler:
    def __init__(self, names: Collection[str] | None, base: int, text: str) -> None:
        self.allowed = names
        self.base = base
        self.text = text
        self.names: set[str] = set()
        self.functions: set[str] = set()
        self.in_iferror = 0

    def where(self, node: ast.AST) -> int | None:
        return _position(node, self.base, self.text)

    def error(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.where(node))

    def fold(self, node: ast.AST, compiled: _Node) -> _Node:
        """Evaluate a sub-expression whose inputs are all constants."""
        try:
            return _constant(compiled.fn(_EMPTY, DEFAULT_CONTEXT))
        except ExpressionLimitError as exc:
            raise ExpressionLimitError(exc.message, self.where(node)) from None
        except (ExpressionError, ArithmeticError, TypeError, ValueError) as exc:
            if self.in_iferror:
                return compiled  # IFERROR may be meant to catch exactly this, at run time
            message = exc.message if isinstance(exc, ExpressionError) else str(exc)
            raise ExpressionError(message, self.where(node)) from None

    def compile(self, node: ast.expr) -> _Node:
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Attribute):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            return self.ifexp(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.List | ast.Tuple):
            return self.sequence(node)
        raise self.error(f"'{type(node).__name__}' is not allowed in an expression", node)

    def name(self, node: ast.Name | ast.Attribute) -> _Node:
        """A field (``amount``) or a qualified name the caller allows (``old.amount``)."""
        key = node.id if isinstance(node, ast.Name) else _qualified(node)
        if key is None:
            raise self.error("attribute access ('x.name') is not allowed", node)
        if key in CONSTANT_NAMES:
            return _constant(CONSTANT_NAMES[key])
        if self.allowed is not None and key not in self.allowed:
            message = f"unknown field '{key}'"
            close = difflib.get_close_matches(key, list(self.allowed), n=1, cutoff=0.6)
            if close:
                message += f" (did you mean '{close[0]}'?)"
            elif key.upper() in FUNCTIONS:
                message += f" (to call the function write {key.upper()}(…))"
            raise self.error(message, node)
        self.names.add(key)

        def get(v: Mapping[str, Any], c: EvalContext) -> Any:
            return v.get(key)

        return _Node(get, key=key)

    def binop(self, node: ast.BinOp) -> _Node:
        op = _BINARY[type(node.op)]
        left, right = self.compile(node.left), self.compile(node.right)
        lf, rf = left.fn, right.fn
        if left.const and right.const:
            return self.fold(node, _Node(lambda v, c: op(lf(v, c), rf(v, c))))
        if right.const:
            k = right.value
            return _Node(lambda v, c: op(lf(v, c), k))
        if left.const:
            k = left.value
            return _Node(lambda v, c: op(k, rf(v, c)))
        return _Node(lambda v, c: op(lf(v, c), rf(v, c)))

    def unaryop(self, node: ast.UnaryOp) -> _Node:
        operand = self.compile(node.operand)
        f = operand.fn
        if isinstance(node.op, ast.Not):
            result = _Node(lambda v, c: not f(v, c), boolean=True)
        else:
            op = _UNARY[type(node.op)]
            result = _Node(lambda v, c: op(f(v, c)))
        return self.fold(node, result) if operand.const else result

    def boolop(self, node: ast.BoolOp) -> _Node:
        parts = [self.compile(value) for value in node.values]
        fns = tuple(p.fn for p in parts)
        exact = all(p.boolean for p in parts)
        result: _Node
        if isinstance(node.op, ast.And):
            if len(fns) == 2 and exact:
                a, b = fns
                result = _Node(lambda v, c: a(v, c) and b(v, c), boolean=True)
            else:

                def all_(v: Mapping[str, Any], c: EvalContext) -> bool:
                    return all(f(v, c) for f in fns)

                result = _Node(all_, boolean=True)
        elif len(fns) == 2 and exact:
            a, b = fns
            result = _Node(lambda v, c: a(v, c) or b(v, c), boolean=True)
        else:

            def any_(v: Mapping[str, Any], c: EvalContext) -> bool:
                return any(f(v, c) for f in fns)

            result = _Node(any_, boolean=True)
        return self.fold(node, result) if all(p.const for p in parts) else result

    def compare(self, node: ast.Compare) -> _Node:
        left = self.compile(node.left)
        rights = [self.compile(c) for c in node.comparators]
        if len(node.ops) == 1:
            result = self.compare_one(node.ops[0], left, rights[0])
        else:
            first = left.fn
            pairs = tuple(
                (_COMPARE[type(op)], r.fn) for op, r in zip(node.ops, rights, strict=True)
            )

            def chain(v: Mapping[str, Any], c: EvalContext) -> bool:
                a = first(v, c)
                for op, rf in pairs:
                    b = rf(v, c)
                    if not op(a, b):
                        return False
                    a = b
                return True

            result = _Node(chain, boolean=True)
        if left.const and all(r.const for r in rights):
            return self.fold(node, result)
        return result

    def compare_one(self, op: ast.cmpop, left: _Node, right: _Node) -> _Node:
        lf, rf = left.fn, right.fn
        kind = type(op)
        if not right.const or left.const:
            generic = _COMPARE[kind]
            return _Node(lambda v, c: generic(lf(v, c), rf(v, c)), boolean=True)
        k = right.value
        if kind is ast.Is or (kind is ast.Eq and k is None):
            return _Node(lambda v, c: lf(v, c) is None, boolean=True)
        if kind is ast.IsNot or (kind is ast.NotEq and k is None):
            return _Node(lambda v, c: lf(v, c) is not None, boolean=True)
        key = left.key  # comparisons of a field with a constant read the field inline
        if kind in (ast.Eq, ast.NotEq) and type(k) in (str, int, bool):
            # For these constants Python's == already is the language's ==.
            if kind is ast.Eq:
                if key is not None:
                    return _Node(lambda v, c: v.get(key) == k, boolean=True)
                return _Node(lambda v, c: lf(v, c) == k, boolean=True)
            if key is not None:
                return _Node(lambda v, c: v.get(key) != k, boolean=True)
            return _Node(lambda v, c: lf(v, c) != k, boolean=True)
        if kind in _NATIVE_ORDER and type(k) in _ORDER_FAST_TYPES:
            native = _NATIVE_ORDER[kind]
            careful = _COMPARE[kind]
            fast_types = _ORDER_FAST_TYPES[type(k)]

            if key is not None:

                def order(v: Mapping[str, Any], c: EvalContext) -> bool:
                    a = v.get(key)
                    if type(a) in fast_types:
                        return native(a, k)  # type: ignore[no-any-return]
                    return careful(a, k)

            else:

                def order(v: Mapping[str, Any], c: EvalContext) -> bool:
                    a = lf(v, c)
                    if type(a) in fast_types:
                        return native(a, k)  # type: ignore[no-any-return]
                    return careful(a, k)

            return _Node(order, boolean=True)
        if kind in (ast.In, ast.NotIn) and isinstance(k, list):
            return self.membership(lf, k, negate=kind is ast.NotIn)
        generic = _COMPARE[kind]
        return _Node(lambda v, c: generic(lf(v, c), k), boolean=True)

    def membership(self, lf: Compiled, items: list[Any], *, negate: bool) -> _Node:
        frozen = tuple(items)
        if all(type(i) in (str, int, bool, type(None)) for i in items):
            lookup = frozenset(items)

            def member(v: Mapping[str, Any], c: EvalContext) -> bool:
                a = lf(v, c)
                try:
                    return a in lookup
                except TypeError:  # an unhashable value, e.g. a list
                    return V.contains(frozen, a)

        else:

            def member(v: Mapping[str, Any], c: EvalContext) -> bool:
                return V.contains(frozen, lf(v, c))

        if negate:
            return _Node(lambda v, c: not member(v, c), boolean=True)
        return _Node(member, boolean=True)

    def ifexp(self, node: ast.IfExp) -> _Node:
        test, body, orelse = (self.compile(n) for n in (node.test, node.body, node.orelse))
        if test.const:
            return body if test.value else orelse
        t, b, o = test.fn, body.fn, orelse.fn
        return _Node(
            lambda v, c: b(v, c) if t(v, c) else o(v, c), boolean=body.boolean and orelse.boolean
        )

    def sequence(self, node: ast.List | ast.Tuple) -> _Node:
        items = [self.compile(e) for e in node.elts]
        if all(i.const for i in items):
            return _constant([i.value for i in items])
        fns = tuple(i.fn for i in items)
        return _Node(lambda v, c: [f(v, c) for f in fns])

    def call(self, node: ast.Call) -> _Node:
        assert isinstance(node.func, ast.Name)
        name = node.func.id.upper()
        spec = FUNCTIONS.get(name)
        if spec is None:
            message = f"unknown function '{node.func.id}'"
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1, cutoff=0.6)
            if close:
                message += f" (did you mean {close[0]}?)"
            raise self.error(message, node)
        given = len(node.args)
        if given < spec.min_args or (spec.max_args is not None and given > spec.max_args):
            raise self.error(f"{name} takes {spec.describe_arity()}, got {given}", node)
        self.functions.add(name)
        self.in_iferror += name == "IFERROR"
        try:
            args = [self.compile(a) for a in node.args]
        finally:
            self.in_iferror -= name == "IFERROR"
        for index, allowed in spec.choices.items():
            if index < given and args[index].const and args[index].value not in allowed:
                raise self.error(
                    f"{name}: {args[index].value!r} is not one of {', '.join(allowed)}",
                    node.args[index],
                )
        impl = spec.impl
        fns = tuple(a.fn for a in args)
        fn: Compiled
        if spec.kind == "lazy":
            fn = lambda v, c: impl(fns, v, c)  # noqa: E731
        elif spec.kind == "context":
            fn = lambda v, c: impl(c, *[f(v, c) for f in fns])  # noqa: E731
        elif given == 0:
            fn = lambda v, c: impl()  # noqa: E731
        elif given == 1:
            (a0,) = fns
            fn = lambda v, c: impl(a0(v, c))  # noqa: E731
        elif given == 2 and args[1].const:
            a0, k1 = fns[0], args[1].value
            fn = lambda v, c: impl(a0(v, c), k1)  # noqa: E731
        elif given == 2:
            a0, a1 = fns
            fn = lambda v, c: impl(a0(v, c), a1(v, c))  # noqa: E731
        else:
            fn = lambda v, c: impl(*[f(v, c) for f in fns])  # noqa: E731
        result = _Node(fn)
        if spec.pure and spec.kind != "context" and all(a.const for a in args):
            return self.fold(node, result)
        return result


_ORDER_FAST_TYPES: dict[type, frozenset[type]] = {
    # Value types whose native comparison with a constant of the key type is
    # exactly the language's comparison (no coercion, cannot raise).
    int: frozenset({int, bool, float, Decimal}),
    bool: frozenset({int, bool, float, Decimal}),
    float: frozenset({int, bool, float}),
    Decimal: frozenset({int, bool, Decimal}),
    str: frozenset({str}),
    date: frozenset({date}),
}


# --------------------------------------------------------------- the result


class Expression:
    """A compiled expression: immutable, cheap to evaluate, safe to share.

    ``names`` are the field keys it reads (for dependency ordering of
    formulas), ``functions`` the library functions it calls (e.g. a formula
    using ``TODAY()`` changes with the date).
    """

    __slots__ = ("_base", "_fn", "_text", "_tree", "functions", "names", "source")

    def __init__(
        self,
        source: str,
        tree: ast.expr,
        fn: Compiled,
        names: frozenset[str],
        functions: frozenset[str],
        base: int,
        text: str,
    ) -> None:
        self.source = source
        self.names = names
        self.functions = functions
        self._tree = tree
        self._fn = fn
        self._base = base
        self._text = text

    def evaluate(
        self, values: Mapping[str, Any] | None = None, ctx: EvalContext | None = None
    ) -> Any:
        """The value of the expression for one record (or sub-table row).

        A field missing from ``values`` counts as blank. Raises only
        ``ExpressionError``.
        """
        try:
            return self._fn(
                _EMPTY if values is None else values, DEFAULT_CONTEXT if ctx is None else ctx
            )
        except ExpressionError:
            raise
        except ArithmeticError as exc:  # e.g. Decimal precision or range exceeded
            message = f"cannot evaluate: a number is out of range ({exc!r:.80})"
            raise ExpressionError(message) from exc
        except (TypeError, ValueError, LookupError, AttributeError) as exc:
            raise ExpressionError(f"cannot evaluate: {exc}") from exc

    def to_sql(
        self, columns: Mapping[str, sa.ColumnElement[Any]], ctx: EvalContext | None = None
    ) -> sa.ColumnElement[Any]:
        """The expression as a SQLAlchemy Core expression over ``columns``.

        Only the SQL-translatable subset is accepted (see docs/expressions.md);
        the rows for which the SQL condition is TRUE are exactly the rows for
        which ``evaluate`` is truthy. With ``ctx``, ``TODAY()`` and
        ``CURRENT_USER()`` become bound values of that context; without it
        ``TODAY()`` is the database's ``CURRENT_DATE``.
        """
        from .sql import SqlTranslator

        return SqlTranslator(columns, ctx, lambda n: _position(n, self._base, self._text)).value(
            self._tree
        )

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


@lru_cache(maxsize=4096)
def _compile_cached(source: str, names: frozenset[str] | None) -> Expression:
    tree, base, text = parse(source)
    _check_shape(tree, lambda n: _position(n, base, text))
    compiler = _Compiler(names, base, text)
    root = compiler.compile(tree)
    return Expression(
        source,
        tree,
        root.fn,
        frozenset(compiler.names),
        frozenset(compiler.functions),
        base,
        text,
    )


def compile_expression(source: str, names: Collection[str] | None = None) -> Expression:
    """Compile ``source`` once; evaluate the result many times.

    ``names`` are the field keys the expression may reference (``None``: do
    not check). Raises ``ExpressionError`` (``.message``, ``.position``) for
    syntax errors, unknown fields or functions, wrong argument counts,
    forbidden syntax and exceeded limits. Results are cached by
    ``(source, names)``: compiling the same formula again is a dict lookup.
    """
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, got {type(source).__name__}")
    if isinstance(names, str):
        raise TypeError("names must be a collection of field keys, not one str")
    return _compile_cached(source, None if names is None else frozenset(names))
