"""Turning JSON input into stored values, collecting every error at once.

The order is the documented lifecycle of a write (design.md): coerce each
value, apply defaults, check required fields, resolve references in one
batch per field, then compute formulas on the completed values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from engine.expressions import ExpressionError
from engine.forms.context import WriteContext
from engine.forms.errors import FieldError, FieldInvalid, RecordInvalid
from engine.forms.field_types.abilities import ChildRows, Computed, References, ability
from engine.forms.field_types.base import BoundField, is_blank
from engine.forms.field_types.formula import compiled

SYSTEM_INPUT = frozenset({"id", "created_at", "created_by", "updated_at", "updated_by", "_display"})
#: What no column can hold: NUL (PostgreSQL text and JSONB refuse it) and
#: lone surrogates (not UTF-8), which a JSON body may still carry as escapes.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Items looked at per value before giving up the check (bounds the walk of deep JSON).
MAX_ITEMS_CHECKED = 10_000


def unstorable_text(value: Any) -> str | None:
    """Why a JSON value cannot be stored as text, or None when every string in it can."""
    pending = [value]
    for _ in range(MAX_ITEMS_CHECKED):
        if not pending:
            return None
        item = pending.pop()
        if isinstance(item, str):
            found = UNSTORABLE.search(item)
            if found is not None:
                if found.group() == "\x00":
                    return "must not contain NUL characters"
                return "must be valid Unicode text (it holds a lone surrogate)"
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
    return None


def default_value(field: BoundField, ctx: WriteContext) -> Any:
    default = field.defn.default
    if default is None:
        return None
    if isinstance(default, str) and default.startswith("="):
        try:
            default = compiled(default).evaluate({}, ctx.eval_context())
        except ExpressionError:
            return None
        if default is None:
            return None
    return field.type.coerce(default, field)


def validate_values(
    fields: Mapping[str, BoundField],
    data: Mapping[str, Any],
    ctx: WriteContext,
    prefix: str = "",
    existing: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Coerce ``data`` field by field; with ``existing`` it is a partial update.

    Returns the values to write (computed ones included) and the errors.
    References are not resolved here: see ``resolve_references``.
    """
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for key in data:
        bound = fields.get(key)
        if bound is None:
            if key not in SYSTEM_INPUT:
                errors.append(FieldError(prefix + key, "is not a field of this form"))
        elif not bound.type.writable and not is_blank(data[key]):
            errors.append(FieldError(prefix + key, "is computed and cannot be written"))
    for key, bound in fields.items():
        if not bound.type.writable:
            continue
        if key in data:
            raw = data[key]
            if is_blank(raw):
                values[key] = [] if isinstance(bound.type, ChildRows) else None
                continue
            problem = unstorable_text(raw)
            if problem is not None:
                errors.append(FieldError(prefix + key, problem))
                continue
            try:
                if isinstance(bound.type, ChildRows):
                    values[key] = bound.type.coerce_rows(bound, raw, ctx)
                else:
                    values[key] = bound.type.coerce(raw, bound)
            except FieldInvalid as err:
                errors.append(FieldError(prefix + key, err.message))
            except RecordInvalid as err:
                errors.extend(FieldError(prefix + e.field, e.message) for e in err.errors)
        elif existing is None:
            try:
                values[key] = default_value(bound, ctx)
            except FieldInvalid as err:
                errors.append(FieldError(prefix + key, f"default value: {err.message}"))
    merged = {**(existing or {}), **values}
    errors.extend(check_required(fields, merged, ctx, prefix, skip={e.field for e in errors}))
    if not errors:
        compute(fields, merged, ctx)
        values.update(
            {f.key: merged[f.key] for f in fields.values() if isinstance(f.type, Computed)}
        )
    return values, errors


def condition(
    source: str | None, values: Mapping[str, Any], ctx: WriteContext, *, otherwise: bool
) -> bool:
    """A field's ``visible_when``/``required_when``/``readonly_when`` on ``values``.

    ``otherwise`` when the field has no such condition or it cannot be
    evaluated: the person filling in a form cannot fix the designer's condition.
    """
    if source is None:
        return otherwise
    try:
        return bool(compiled(source).evaluate(values, ctx.eval_context()))
    except ExpressionError:
        return otherwise


def check_required(
    fields: Mapping[str, BoundField],
    merged: Mapping[str, Any],
    ctx: WriteContext,
    prefix: str,
    skip: set[str],
) -> list[FieldError]:
    """Blank fields that are required, statically or by ``required_when``.

    A field its ``visible_when`` hides is never required: the form does not
    show it, so nobody could fill it in. A value sent for it anyway is kept.
    """
    errors = []
    for key, bound in fields.items():
        if not bound.type.writable or prefix + key in skip or not is_blank(merged.get(key)):
            continue
        if not condition(bound.defn.visible_when, merged, ctx, otherwise=True):
            continue
        if bound.required or condition(bound.defn.required_when, merged, ctx, otherwise=False):
            errors.append(FieldError(prefix + key, "is required"))
    return errors


@lru_cache(maxsize=1024)
def _computed_in_order(fields: tuple[BoundField, ...]) -> tuple[BoundField, ...]:
    # Bound fields hash by identity and live as long as their runtime: the
    # order is worked out once per entity (or sub-table), not once per record.
    from engine.forms.runtime import computation_order

    return tuple(computation_order([f for f in fields if isinstance(f.type, Computed)]))


def compute(fields: Mapping[str, BoundField], values: dict[str, Any], ctx: WriteContext) -> None:
    """Run computed fields in dependency order, each seeing the ones before it."""
    for bound in _computed_in_order(tuple(fields.values())):
        values[bound.key] = ability(bound, Computed).compute(bound, values, ctx)


def resolve_references(
    fields: Sequence[BoundField],
    rows: Sequence[dict[str, Any]],
    ctx: WriteContext,
    prefixes: Sequence[str],
) -> list[FieldError]:
    """Resolve every reference of ``rows`` with one query per field, in place."""
    errors: list[FieldError] = []
    for bound in fields:
        if not isinstance(bound.type, References):
            continue
        positions = [i for i, row in enumerate(rows) if row.get(bound.key) is not None]
        if not positions:
            continue
        resolved = bound.type.resolve(bound, [rows[i][bound.key] for i in positions], ctx)
        for i, value in zip(positions, resolved, strict=True):
            if isinstance(value, FieldInvalid):
                errors.append(FieldError(prefixes[i] + bound.key, value.message))
            else:
                rows[i][bound.key] = value
    return errors
