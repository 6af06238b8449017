"""The function library: every function is one registered ``FunctionSpec``.

``FUNCTIONS`` (name → spec, read-only) is what the compiler resolves calls
against, what the API serves as the catalogue and what the docs page is
generated from.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from engine.registry import Registry

from . import aggregate, date, logic, math, text
from .spec import EXAMPLE_CONTEXT, Compiled, FunctionSpec

CATEGORIES = ("logic", "info", "math", "text", "date", "aggregate")


def register_builtins() -> Registry[FunctionSpec]:
    """A registry holding every built-in function (a duplicate name fails loudly)."""
    registry: Registry[FunctionSpec] = Registry("expression function")
    for module in (logic, math, text, date, aggregate):
        for spec in module.functions.specs:
            if spec.category not in CATEGORIES:
                raise ValueError(f"{spec.name}: unknown category {spec.category!r}")
            registry.register(spec.name, spec)
    return registry


FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(dict(register_builtins().items()))

__all__ = ["CATEGORIES", "EXAMPLE_CONTEXT", "FUNCTIONS", "Compiled", "FunctionSpec"]
