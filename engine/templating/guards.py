"""The sandbox: Jinja2's immutable sandbox, with the sizes of what it builds checked first.

Jinja2's ``ImmutableSandboxedEnvironment`` already refuses private and
dunder attributes (``''.__class__``), mutation of lists and dicts, and
ranges over 100,000 items. What it lets through are operations that run
in C in one step and so cannot be stopped by the time limit once started:
``9**9**9``, ``'x' * 10**9``, ``'x'.center(10**9)``, ``a|replace('x', a)``,
``'%999999999d' % 1``. Each of these is checked here *before* it runs: the
size of its result is estimated from its operands and refused over
``MAX_CHARS`` (strings, lists) or ``MAX_INT_BITS`` (integers).

Also: an unsafe attribute raises at once (Jinja2 would return an undefined
that prints as nothing), ``None`` prints as an empty string (a blank field
is not the word "None" in an e-mail), and ``lipsum`` is gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.runtime import Context, Undefined, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: The longest string or list any step of a template may build.
MAX_CHARS = 1_000_000
#: The largest integer any step may build (about 1,200 decimal digits).
MAX_INT_BITS = 4096
#: The largest width, indent or count argument a size-making call may take.
MAX_WIDTH = 10_000

#: ``%`` conversions and ``{}`` replacement fields with a width or precision.
_PERCENT_SPEC = re.compile(r"%[-+ #0]*(\d*)(?:\.(\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")


def refuse(message: str) -> NoReturn:
    raise SecurityError(message)


def _sized(value: Any) -> int | None:
    """The length of a string, list or tuple, else None."""
    if isinstance(value, (str, list, tuple, bytes)):
        return len(value)
    return None


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_widths(fmt: str, pattern: re.Pattern[str]) -> None:
    for match in pattern.finditer(fmt):
        for number in match.groups():
            if number and int(number) > MAX_WIDTH:
                refuse(f"a format width or precision over {MAX_WIDTH} is not allowed")


def check_multiply(left: Any, right: Any) -> None:
    for seq, count in ((left, right), (right, left)):
        size = _sized(seq)
        if size is not None and _integer(count) and size * max(count, 0) > MAX_CHARS:
            refuse(f"that would build more than {MAX_CHARS:,} items")
    if (
        _integer(left)
        and _integer(right)
        and (left.bit_length() + right.bit_length() > MAX_INT_BITS)
    ):
        refuse("that number is too large")


def check_power(base: Any, exponent: Any) -> None:
    if not (_integer(base) and _integer(exponent)) or exponent <= 0 or abs(base) <= 1:
        return
    if exponent > MAX_INT_BITS or exponent * base.bit_length() > MAX_INT_BITS:
        refuse("that number is too large")


def check_add(left: Any, right: Any) -> None:
    sizes = (_sized(left), _sized(right))
    if sizes[0] is not None and sizes[1] is not None and sizes[0] + sizes[1] > MAX_CHARS:
        refuse(f"that would build more than {MAX_CHARS:,} characters")


def check_total(parts: Iterable[str]) -> None:
    if sum(len(part) for part in parts) > MAX_CHARS:
        refuse(f"that would build more than {MAX_CHARS:,} characters")


def check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(new, str):
        hits = text.count(str(old)) if str(old) else len(text) + 1
        if _integer(count) and count >= 0:
            hits = min(hits, count)
        if len(text) + hits * len(new) > MAX_CHARS:
            refuse(f"that would build more than {MAX_CHARS:,} characters")


def check_join(separator: Any, items: Any) -> list[Any]:
    """The items as a list (an iterator is read once), with the join's size checked."""
    listed = list(items)
    if len(listed) > MAX_CHARS:
        refuse(f"that would build more than {MAX_CHARS:,} characters")
    size = sum(len(str(item)) for item in listed)
    if size + len(str(separator)) * max(len(listed) - 1, 0) > MAX_CHARS:
        refuse(f"that would build more than {MAX_CHARS:,} characters")
    return listed


def check_int_arguments(name: str, *args: Any, **kwargs: Any) -> None:
    for value in (*args, *kwargs.values()):
        if _integer(value) and abs(value) > MAX_WIDTH:
            refuse(f"{name}: a width or count over {MAX_WIDTH} is not allowed")


#: str methods whose integer arguments are widths (the result is that wide).
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def check_method_call(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Checks of a call of a ``str`` method that could build a huge string."""
    target = getattr(method, "__wrapped__", method)
    owner = getattr(target, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(target, "__name__", "")
    if name in _WIDTH_METHODS:
        check_int_arguments(name, *args, **kwargs)
    elif name == "replace" and len(args) >= 2:
        check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "join" and args:
        if isinstance(args[0], (list, tuple)):
            check_join(owner, args[0])
    elif name in ("format", "format_map"):
        check_widths(owner, _BRACE_SPEC)


def _checked_filters() -> dict[str, Callable[..., Any]]:
    """The default filters, with the size-making ones checked before they run."""
    filters: dict[str, Callable[..., Any]] = dict(FILTERS)

    def center(value: Any, width: int = 80) -> str:
        check_int_arguments("center", width)
        return str(FILTERS["center"](value, width))

    def indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
        if isinstance(width, str) and len(width) > MAX_WIDTH:
            refuse(f"indent: an indent over {MAX_WIDTH} characters is not allowed")
        check_int_arguments("indent", width)
        result = FILTERS["indent"](value, width, *args, **kwargs)
        check_total([str(result)])
        return str(result)

    def batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
        check_int_arguments("batch", linecount)
        return FILTERS["batch"](value, linecount, fill_with)

    def wordwrap(value: str, width: int = 79, *args: Any, **kwargs: Any) -> str:
        wrapstring = kwargs.get("wrapstring", args[1] if len(args) > 1 else None)
        if wrapstring is not None and len(str(wrapstring)) * (len(value) + 1) > MAX_CHARS:
            refuse(f"wordwrap: that would build more than {MAX_CHARS:,} characters")
        return str(FILTERS["wordwrap"](value, width, *args, **kwargs))

    def format_(value: str, *args: Any, **kwargs: Any) -> str:
        check_widths(str(value), _PERCENT_SPEC)
        return str(FILTERS["format"](value, *args, **kwargs))

    def replace(eval_ctx: Any, s: Any, old: str, new: str, count: int | None = None) -> str:
        check_replace(str(s), old, new, -1 if count is None else count)
        return str(FILTERS["replace"](eval_ctx, s, old, new, count))

    def join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
        listed = check_join(d, value)
        return str(FILTERS["join"](eval_ctx, listed, d, attribute))

    def sum_(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
        if not _integer(start) and not isinstance(start, float):
            refuse("sum: only numbers can be summed")
        return FILTERS["sum"](environment, iterable, attribute, start)

    def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
        if indent is not None:
            check_int_arguments("tojson", indent)
            if indent > 16:
                refuse("tojson: an indent over 16 is not allowed")
        return FILTERS["tojson"](eval_ctx, value, indent)

    # Keep what makes Jinja2 pass the context or environment to a filter.
    replace.jinja_pass_arg = FILTERS["replace"].jinja_pass_arg  # type: ignore[attr-defined]
    join.jinja_pass_arg = FILTERS["join"].jinja_pass_arg  # type: ignore[attr-defined]
    sum_.jinja_pass_arg = FILTERS["sum"].jinja_pass_arg  # type: ignore[attr-defined]
    tojson.jinja_pass_arg = FILTERS["tojson"].jinja_pass_arg  # type: ignore[attr-defined]
    filters.update(
        center=center,
        indent=indent,
        batch=batch,
        wordwrap=wordwrap,
        format=format_,
        replace=replace,
        join=join,
        sum=sum_,
        tojson=tojson,
    )
    return filters


class _CheckedConcat(CodeGenerator):
    """``a ~ b`` compiles to a join that Jinja2 cannot intercept: route it
    through ``environment.concat_checked`` instead, which checks its size."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat_checked((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class SafeEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox every user template runs in (see the module)."""

    code_generator_class = _CheckedConcat
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(autoescape=html, finalize=_blank_none)
        self.globals.pop("lipsum", None)
        self.filters = _checked_filters()
        self.policies["json.dumps_function"] = json.dumps

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        refuse(f"access to attribute {attribute!r} of a {type(obj).__name__!r} is not allowed")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            check_multiply(left, right)
            return left * right
        if operator == "**":
            check_power(left, right)
            return left**right
        if operator == "+":
            check_add(left, right)
            return left + right
        if operator == "%":
            if isinstance(left, str):
                check_widths(left, _PERCENT_SPEC)
            return left % right
        return left // right

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_method_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def concat_checked(self, parts: Iterable[Any]) -> str:
        listed = list(parts)
        check_total(str(part) for part in listed)
        joined: str = markup_join(listed) if self.autoescape else str_join(listed)
        return joined


def _blank_none(value: Any) -> Any:
    return "" if value is None else value


def environment(*, html: bool) -> SafeEnvironment:
    return SafeEnvironment(html=html)


__all__ = ["MAX_CHARS", "MAX_INT_BITS", "MAX_WIDTH", "SafeEnvironment", "environment", "refuse"]
