"""What one library function is: a registered entry, not code in the compiler.

Each entry carries its own documentation and one worked example with its
result; the docs page is generated from the entries and the test suite runs
every example, so the catalogue the API serves cannot drift from what the
engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from engine.expressions.context import EvalContext
from engine.tenancy import DEFAULT_TIMEZONE

Kind = Literal["value", "context", "lazy"]
"""How the compiler calls ``impl``:

* ``value``: ``impl(*argument_values)``;
* ``context``: ``impl(ctx, *argument_values)`` (clock, time zone, user);
* ``lazy``: ``impl(argument_closures, values, ctx)`` — the function decides
  which arguments to evaluate (``IF``, ``AND``, ``COALESCE`` short-circuit).
"""

F = TypeVar("F", bound=Callable[..., Any])

Compiled = Callable[[Mapping[str, Any], EvalContext], Any]
"""A compiled (sub)expression: ``fn(values, ctx) -> value``; lazy functions get these."""

_DEFAULT_ZONE = ZoneInfo(DEFAULT_TIMEZONE)

EXAMPLE_CONTEXT = EvalContext(
    user_id=42, now=datetime(2024, 3, 15, 10, 30, tzinfo=_DEFAULT_ZONE), tz=_DEFAULT_ZONE
)
"""The context every documented example runs in: user 42, 2024-03-15 10:30 in the
default tenant zone (``engine.tenancy.DEFAULT_TIMEZONE``, Asia/Shanghai)."""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function of the library."""

    name: str
    category: str
    min_args: int
    max_args: int | None  # None: any number
    impl: Callable[..., Any]
    signature: str
    doc: str
    example: str
    result: Any
    kind: Kind = "value"
    pure: bool = True  # same arguments, same result: constant calls fold at compile time
    example_values: Mapping[str, Any] = field(default_factory=dict)
    choices: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Allowed literal values of text arguments by position (checked at compile time)."""

    @property
    def arity(self) -> str:
        if self.max_args is None:
            return f"{self.min_args}+"
        if self.min_args == self.max_args:
            return str(self.min_args)
        return f"{self.min_args}–{self.max_args}"

    def describe_arity(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            n = self.min_args
            return f"{n} argument{'s' if n != 1 else ''}" if n else "no arguments"
        return f"{self.min_args} to {self.max_args} arguments"


class FunctionSet:
    """The functions of one category module, collected by a decorator."""

    def __init__(self, category: str) -> None:
        self.category = category
        self.specs: list[FunctionSpec] = []

    def function(
        self,
        name: str,
        *,
        args: tuple[int, int | None],
        signature: str,
        doc: str,
        example: str,
        result: Any,
        kind: Kind = "value",
        pure: bool = True,
        example_values: Mapping[str, Any] | None = None,
        choices: Mapping[int, tuple[str, ...]] | None = None,
        category: str | None = None,
    ) -> Callable[[F], F]:
        def register(impl: F) -> F:
            self.specs.append(
                FunctionSpec(
                    name=name,
                    category=category or self.category,
                    min_args=args[0],
                    max_args=args[1],
                    impl=impl,
                    signature=signature,
                    doc=doc,
                    example=example,
                    result=result,
                    kind=kind,
                    pure=pure,
                    example_values=dict(example_values or {}),
                    choices=dict(choices or {}),
                )
            )
            return impl

        return register
