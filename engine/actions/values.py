"""The values an action writes: one small grammar for ``map``, ``set`` and ``update``.

A value in the definition (``engine.definition.ValueSpec``) is JSON:

* ``"=expression"`` — computed over the action's record (``=NOW()``,
  ``=CONCAT(company, ' 新商机')``, ``='converted'`` for a literal text);
* ``"$record"`` — the record's id; ``"$<step>"`` — the id of the record an
  earlier step of a conversion created or found (blank if the step was left out);
* any other text — the key of a field of the record, whose value is copied;
* a number, boolean, ``null`` or list — written as it is.

``parse_value`` turns one into a ``Value`` once; ``resolve`` computes it for
one record; ``check_value`` is the publish-time check against the field it
is written into (does the copied field's type fit, does the literal pass the
field type's own coercion, does ``$customer`` land in a link to customers).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from engine.actions.checks import SYSTEM_TYPES, EntityFields, Issue
from engine.actions.context import RecordState
from engine.expressions import EvalContext, Expression, ExpressionError, compile_expression
from engine.forms import BoundField, ChildRows, FieldError, FieldInvalid
from engine.i18n import Message

#: Field types whose wire value is plain text: they copy into text fields.
TEXT_LIKE = frozenset(
    {"text", "textarea", "phone", "email", "url", "id_number", "autonumber", "select"}
)
#: Target type → source types (besides itself) whose values it takes; numbers
#: copy into numbers by the types' own word (``FieldType.numeric``).
ACCEPTS: Mapping[str, frozenset[str]] = {
    "text": TEXT_LIKE,
    "textarea": TEXT_LIKE,
    # Text into a field that checks its format: the write says if it does not fit.
    "email": frozenset({"text"}),
    "phone": frozenset({"text"}),
    "url": frozenset({"text"}),
    "datetime": frozenset({"date"}),
    "tags": frozenset({"multiselect"}),
}
#: Options that must agree when a field is copied into one of the same type.
SAME_TARGET = frozenset({"link", "links"})
SAME_CHOICES = frozenset({"select", "multiselect"})


@dataclass(frozen=True)
class Copy:
    field: str


@dataclass(frozen=True)
class Computed:
    expression: Expression


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Fixed:
    value: Any


Value = Copy | Computed | Ref | Fixed


def parse_value(raw: Any, names: frozenset[str] | None = None) -> Value:
    """One definition value; ``ExpressionError`` for a bad expression.

    ``names`` are what an expression may read (checked at publish time; at
    run time ``None`` reuses the compiled expression without re-checking).
    """
    if isinstance(raw, str):
        if raw.startswith("="):
            return Computed(compile_expression(raw, names=names))
        if raw.startswith("$"):
            return Ref(raw[1:])
        return Copy(raw)
    return Fixed(raw)


def resolve(
    value: Value, record: RecordState, refs: Mapping[str, int | None], ctx: EvalContext
) -> Any:
    """The value to write for ``record``; raises ``ExpressionError``."""
    if isinstance(value, Copy):
        return record.wire(value.field)
    if isinstance(value, Computed):
        return value.expression.evaluate(record.values, ctx)
    if isinstance(value, Ref):
        return refs.get(value.name)
    return copy.deepcopy(value.value)


def resolve_map(
    values: Mapping[str, Any],
    record: RecordState,
    refs: Mapping[str, int | None],
    ctx: EvalContext,
    prefix: str = "",
) -> tuple[dict[str, Any], list[FieldError]]:
    """Every value of a ``map``/``set``; an expression that fails names its target field."""
    resolved: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, raw in values.items():
        try:
            resolved[key] = resolve(parse_value(raw), record, refs, ctx)
        except ExpressionError as err:
            message = Message("action.not_computed", reason=err.message)
            errors.append(FieldError(prefix + key, message))
    return resolved, errors


# -- publish-time checks ---------------------------------------------------------------------
def copy_problem(source: EntityFields, key: str, target: BoundField) -> str | None:
    """Why the values of ``source.key`` do not fit ``target``, or None when they do."""
    source_type = source.type_of(key)
    bound = source.fields.get(key)
    # A formula's values are its result type's.
    behaves_as = bound.type.behaves_as(bound) if bound is not None else None
    if behaves_as is not None:
        source_type = behaves_as.key
    target_type = target.defn.type
    described = f"{source.key}.{key} ({source_type})"
    if source_type == target_type:
        if (
            target_type in SAME_TARGET
            and bound is not None
            and bound.options.target != target.options.target
        ):
            return (
                f"{described} links to {bound.options.target}, "
                f"{target.key} to {target.options.target}"
            )
        if target_type in SAME_CHOICES and bound is not None:
            wanted = {choice.value for choice in bound.options.options}
            missing = sorted(wanted - {choice.value for choice in target.options.options})
            if missing:
                return f"options {missing} of {described} are not options of {target.key}"
        return None
    if source_type in ACCEPTS.get(target_type, ()):
        return None
    # The target's own checks (precision, range) judge each number when it is written.
    if target.type.numeric and behaves_as is not None and behaves_as.numeric:
        return None
    return f"{described} does not fit {target.key} ({target_type})"


def check_value(
    raw: Any,
    target: BoundField,
    source: EntityFields,
    refs: Mapping[str, str],
    path: str,
) -> Iterator[Issue]:
    """Check one value written into ``target`` from a record of ``source``.

    ``refs`` maps each ``$name`` usable here to the entity of its record.
    """
    try:
        value = parse_value(raw, source.names)
    except ExpressionError as err:
        yield path, err.message
        return
    if isinstance(value, Copy):
        if value.field not in source.fields and value.field not in SYSTEM_TYPES:
            yield (
                path,
                (
                    f"unknown field {value.field!r} of {source.key} to copy "
                    f"(a text is written as \"='{value.field}'\")"
                ),
            )
            return
        problem = source.readable(value.field) or copy_problem(source, value.field, target)
        if problem is not None:
            yield path, problem
    elif isinstance(value, Ref):
        if value.name not in refs:
            known = ", ".join(f"${name}" for name in refs)
            yield path, f"unknown reference ${value.name} (here: {known})"
        elif target.defn.type != "link" or target.options.target != refs[value.name]:
            yield path, f"${value.name} is a {refs[value.name]}: write it into a link to it"
    elif isinstance(value, Fixed) and value.value is not None:
        if isinstance(target.type, ChildRows):
            yield path, f"{target.key} takes rows: give them with an expression or leave it out"
            return
        try:
            target.type.coerce(value.value, target)
        except FieldInvalid as err:
            yield path, err.message


def check_values(
    values: Mapping[str, Any],
    target: EntityFields,
    source: EntityFields,
    refs: Mapping[str, str],
    path: str,
) -> Iterator[Issue]:
    """Check a ``map``/``set``: writable target fields, values that fit them."""
    for key, raw in values.items():
        problem = target.writable(key)
        if problem is not None:
            yield f"{path}.{key}", problem
            continue
        yield from check_value(raw, target.fields[key], source, refs, f"{path}.{key}")


__all__ = [
    "Computed",
    "Copy",
    "Fixed",
    "Ref",
    "Value",
    "check_value",
    "check_values",
    "copy_problem",
    "parse_value",
    "resolve",
    "resolve_map",
]
