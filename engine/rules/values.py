"""The values an effect writes: a literal, or an expression when it starts with ``=``.

``{"status": "triaged", "text": "=CONCAT('auto: ', title)"}``: expressions
read the triggering record's fields by key, ``old.<field>`` (on updates) and,
for ``update_records``, ``target.<field>`` of the record being written. To
write a text that starts with ``=``, write it as an expression: ``="=x"``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from engine.expressions import EvalContext, Expression, ExpressionError, compile_expression
from engine.forms import EntityRuntime, FieldInvalid
from engine.i18n import Message
from engine.rules.base import Issue


@dataclass(frozen=True)
class Value:
    expression: Expression | None
    literal: Any = None

    def resolve(self, scope: Mapping[str, Any], ctx: EvalContext) -> Any:
        if self.expression is None:
            return copy.deepcopy(self.literal)
        return self.expression.evaluate(scope, ctx)


def parse_value(raw: Any, names: frozenset[str] | None = None) -> Value:
    """One value; ``ExpressionError`` for an expression that does not compile."""
    if isinstance(raw, str) and raw.startswith("="):
        return Value(compile_expression(raw[1:], names=names))
    return Value(None, raw)


def parse_values(raw: Mapping[str, Any]) -> dict[str, Value]:
    return {key: parse_value(value) for key, value in raw.items()}


def resolve_values(
    values: Mapping[str, Value], scope: Mapping[str, Any], ctx: EvalContext
) -> dict[str, Any]:
    """Every value for one record; an ``ExpressionError`` names the field it was for."""
    resolved = {}
    for key, value in values.items():
        try:
            resolved[key] = value.resolve(scope, ctx)
        except ExpressionError as err:
            message = Message("formula.for_field", field=key, message=err.message)
            raise ExpressionError(message) from err
    return resolved


def check_values(
    raw: Mapping[str, Any], target: EntityRuntime, names: frozenset[str], path: str
) -> Iterator[Issue]:
    """Each key a writable field of ``target``; each expression compiles over
    ``names``; each literal passes the field type's own coercion."""
    if not raw:
        yield path, "writes nothing: give at least one field"
    for key, spec in raw.items():
        where = f"{path}.{key}"
        bound = target.fields.get(key)
        if bound is None:
            yield where, f"unknown field {key!r} of {target.key}"
            continue
        if not bound.type.writable:
            yield where, f"{target.key}.{key} is computed and cannot be written"
            continue
        try:
            value = parse_value(spec, names)
        except ExpressionError as err:
            yield where, err.message
            continue
        if value.expression is None and value.literal is not None:
            try:
                bound.type.coerce(value.literal, bound)
            except FieldInvalid as err:
                yield where, err.message


__all__ = ["Value", "check_values", "parse_value", "parse_values", "resolve_values"]
