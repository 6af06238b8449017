"""Live form state: what a form shows while someone is still filling it in.

The expression language runs on the server only, so the runtime form asks
here, as its values change, which fields are visible, required and
read-only (``visible_when``, ``required_when``, ``readonly_when``) and what
the formulas compute, sub-table formulas per row. A half-filled form is the
normal case, not an error: a value that does not coerce counts as blank for
the conditions and formulas, and its message comes back in ``errors`` so the
form can say what is wrong before anyone presses save.

The pieces are the save path's own (``engine.forms.validation``): the same
coercion, defaults, conditions and formula computation, so what the form
shows is what a save would do. Nothing is resolved against the database
(links, users and files are taken at their word) and nothing is written.

Paths are those of validation errors: ``lost_reason``, ``lines[0].subtotal``.
Every field of the entity has an entry in ``visible``, ``required`` and
``readonly``; a sub-table field has per-row entries only for sub-fields with
a condition of their own (the others keep their definition's state).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.forms.context import WriteContext
from engine.forms.errors import FieldInvalid, RecordInvalid
from engine.forms.field_types.abilities import ChildRows, Computed
from engine.forms.field_types.base import BoundField, is_blank
from engine.forms.field_types.subtable import SubtableOptions, SubtableType, sub_fields
from engine.forms.guard import GuardedReads
from engine.forms.permissions import EntityAccess, FieldAccess
from engine.forms.records import get_record
from engine.forms.runtime import EntityRuntime
from engine.forms.validation import compute, condition, default_value
from engine.i18n import Message


@dataclass
class FormPreview:
    """The state of a form for its current values, keyed by field path."""

    visible: dict[str, bool] = field(default_factory=dict)
    required: dict[str, bool] = field(default_factory=dict)
    readonly: dict[str, bool] = field(default_factory=dict)
    #: Computed values (formulas) in wire format.
    values: dict[str, Any] = field(default_factory=dict)
    #: Why a value that was sent does not coerce (what a save would answer).
    errors: dict[str, str] = field(default_factory=dict)
    #: A new record's defaults (literal and expression: ``=TODAY()``,
    #: ``=CURRENT_USER()``) of the fields not sent, in wire format, so the form
    #: shows them filled in without evaluating expressions itself.
    defaults: dict[str, Any] = field(default_factory=dict)

    def without(self, keys: Collection[str]) -> FormPreview:
        """The preview with nothing about the fields ``keys`` (and their rows)."""
        if not keys:
            return self

        def keep(paths: dict[str, Any]) -> dict[str, Any]:
            return {p: v for p, v in paths.items() if _top(p) not in keys}

        return FormPreview(
            keep(self.visible),
            keep(self.required),
            keep(self.readonly),
            keep(self.values),
            keep(self.errors),
            keep(self.defaults),
        )

    def to_json(self) -> dict[str, Any]:
        """The body of ``POST /api/apps/{app}/{entity}/preview``."""
        return {
            "visible": self.visible,
            "required": self.required,
            "readonly": self.readonly,
            "values": self.values,
            "errors": self.errors,
            "defaults": self.defaults,
        }


def _top(path: str) -> str:
    """The entity field a path starts with: ``lines[0].qty`` → ``lines``."""
    return path.split("[", 1)[0].split(".", 1)[0]


def _blank(bound: BoundField) -> Any:
    return [] if isinstance(bound.type, ChildRows) else None


def _default(bound: BoundField, ctx: WriteContext) -> Any:
    try:
        return default_value(bound, ctx)
    except FieldInvalid:
        return None


def _coerce(bound: BoundField, raw: Any, ctx: WriteContext, path: str, out: FormPreview) -> Any:
    """The stored value of ``raw``, or blank with its message noted in ``out.errors``."""
    if is_blank(raw):
        return _blank(bound)
    try:
        if isinstance(bound.type, ChildRows):
            return bound.type.coerce_rows(bound, raw, ctx)
        return bound.type.coerce(raw, bound)
    except FieldInvalid as err:
        out.errors[path] = err.message
    except RecordInvalid as err:
        prefix = path[: -len(bound.key)]
        out.errors.update({prefix + e.field: e.message for e in err.errors})
    return _blank(bound)


def _rows(
    bound: BoundField, raw: Any, ctx: WriteContext, path: str, out: FormPreview
) -> list[dict[str, Any]]:
    """Each row previewed on its own, as a save validates it (defaults included)."""
    if is_blank(raw):
        return []
    if not isinstance(raw, list):
        out.errors[path] = Message("value.rows")
        return []
    options: SubtableOptions = bound.options
    if len(raw) > options.max_rows:
        out.errors[path] = Message("value.max_rows", max=options.max_rows)
    fields = sub_fields(bound)
    return [
        _preview(fields, row if isinstance(row, dict) else {}, ctx, f"{path}[{i}].", out, new=True)
        for i, row in enumerate(raw[: options.max_rows])
    ]


def _has_condition(bound: BoundField) -> bool:
    defn = bound.defn
    return any(c is not None for c in (defn.visible_when, defn.required_when, defn.readonly_when))


def _preview(
    fields: Mapping[str, BoundField],
    data: Mapping[str, Any],
    ctx: WriteContext,
    prefix: str,
    out: FormPreview,
    *,
    new: bool,
) -> dict[str, Any]:
    """Coerce, default and compute one level (the record or one row); note its state."""
    values: dict[str, Any] = {}
    for key, bound in fields.items():
        if not bound.type.writable:
            continue
        if key not in data:
            if new:
                values[key] = _default(bound, ctx)
                if not prefix and not is_blank(values[key]):
                    out.defaults[key] = bound.type.to_json(values[key], bound)
        elif isinstance(bound.type, SubtableType):
            values[key] = _rows(bound, data[key], ctx, prefix + key, out)
        else:
            values[key] = _coerce(bound, data[key], ctx, prefix + key, out)
    compute(fields, values, ctx)
    top = not prefix
    for key, bound in fields.items():
        path = prefix + key
        if isinstance(bound.type, Computed):
            out.values[path] = bound.type.to_json(values.get(key), bound)
        if not (top or _has_condition(bound)):
            continue
        defn = bound.defn
        visible = condition(defn.visible_when, values, ctx, otherwise=True)
        out.visible[path] = visible
        out.readonly[path] = not bound.type.writable or condition(
            defn.readonly_when, values, ctx, otherwise=False
        )
        # As on save: a field the form hides is never required.
        out.required[path] = (
            bound.type.writable
            and visible
            and (bound.required or condition(defn.required_when, values, ctx, otherwise=False))
        )
    return values


def preview_form(
    ctx: WriteContext,
    entity: EntityRuntime,
    data: Mapping[str, Any],
    existing: Mapping[str, Any] | None = None,
) -> FormPreview:
    """The form state of ``entity`` for the values ``data`` (wire format, any shape).

    Without ``existing`` the form creates a record: fields not sent take their
    defaults, as a create would. With ``existing`` (the stored record, in wire
    format) it edits one: fields not sent keep their stored values.
    """
    out = FormPreview()
    merged = {**existing, **data} if existing is not None else data
    _preview(entity.fields, merged, ctx, "", out, new=existing is None)
    return out


def preview_as(
    ctx: WriteContext,
    entity: EntityRuntime,
    access: EntityAccess,
    data: Mapping[str, Any],
    record_id: int | None = None,
) -> FormPreview:
    """``preview_form`` within one user's access.

    A new record needs the create permission; an existing one must be in the
    user's read scope (else it is not found). Fields the user may only read
    are read-only; nothing about hidden fields is answered.

    Hidden fields (derived ones included, ``engine.forms.derived_access``)
    count as blank for everything answered: a value sent for one is ignored
    (a save would refuse it), the stored value of an existing record and a
    new record's default are not used. So no condition (``visible_when``,
    ``required_when``, ``readonly_when``) and no formula answered to the user
    depends on a value they may not see, whatever they send.
    """
    reads = GuardedReads(ctx, entity, access)
    existing = None
    if record_id is None:
        access.require("create")
    else:
        existing = get_record(ctx, entity, record_id, scope=reads.scope("read"), masks=access.masks)
    hidden = access.hidden
    sent = {key: value for key, value in data.items() if key not in hidden}
    sent.update(dict.fromkeys(hidden))
    preview = preview_form(ctx, entity, sent, existing)
    for key, level in access.fields.items():
        if level is FieldAccess.READ and key in preview.readonly:
            preview.readonly[key] = True
    return preview.without(hidden)


__all__ = ["FormPreview", "preview_as", "preview_form"]
