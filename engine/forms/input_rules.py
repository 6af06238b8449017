"""Which values of a person's input a write refuses: changes to fields read-only for them.

A field is read-only for a writer for two reasons:

* their role gives it the level ``read`` (docs/permissions.md): "is read-only for you";
* its ``readonly_when`` holds: "is read-only now". The condition is evaluated
  on the record as stored before the write *and* on the record as it would be
  after it; the field is read-only if either says so, so nobody can flip the
  condition and write the field in the same request (closing a deal and
  changing its amount at once), nor write the field and then make the
  condition hold. A new record has no stored state: only the result counts,
  as the form shows it.

Only a *change* is refused. A form sends the whole record back, read-only
values included, and a value equal to the stored one (on a create: equal to
the field's default) is no change. Sub-table rows are compared position by
position: a sub-field's ``readonly_when`` reads its own row, as in the form.

Hidden fields are not this module's: naming one at all is refused before the
write runs (``engine.forms.guard``), since accepting an equal value would
answer whether a guess of the hidden value was right.

The rules apply to what a person typed. Engines writing on their own behalf
(rules, flows) and an action's designed effects are not checked against them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.forms.context import WriteContext
from engine.forms.errors import FieldError, FieldInvalid, label_of, row_label
from engine.forms.field_types.abilities import ChildRows
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.subtable import SubtableType, sub_fields
from engine.forms.runtime import EntityRuntime
from engine.forms.validation import condition, default_value
from engine.i18n import Message

READ_ONLY_FOR_YOU = Message("value.read_only_for_you")
READ_ONLY_NOW = Message("value.read_only_now")


@dataclass(frozen=True, eq=False)
class SubtableRules:
    """A sub-table whose sub-fields have ``readonly_when`` conditions."""

    field: BoundField
    conditional: tuple[BoundField, ...]


@dataclass(frozen=True, eq=False)
class InputRules:
    """What one writer may not change in records of one entity; built once per
    (entity runtime, role-locked fields) by ``input_rules``."""

    fields: Mapping[str, BoundField]
    #: Writable fields at the role level ``read``.
    locked: frozenset[str]
    #: Writable fields with a ``readonly_when``, and sub-tables with such sub-fields.
    conditional: tuple[BoundField, ...]
    subtables: tuple[SubtableRules, ...]

    def refused(
        self,
        ctx: WriteContext,
        typed: Collection[str],
        values: Mapping[str, Any],
        before: Mapping[str, Any] | None,
        prefix: str = "",
    ) -> list[FieldError]:
        """The changes among ``typed`` keys this writer may not make, each named.

        ``values`` are the validated values of the write (with references
        resolved; on a create every field, on an update the fields sent plus
        computed ones); ``before`` is the stored record (None on a create).
        """
        after = values if before is None else {**before, **values}
        errors: list[FieldError] = []
        for key in self.locked:
            if key in typed and self._changed(ctx, key, values, before):
                errors.append(
                    FieldError(prefix + key, READ_ONLY_FOR_YOU, label_of(self.fields[key]))
                )
        for bound in self.conditional:
            key = bound.key
            if key not in typed or key in self.locked:
                continue
            if self._changed(ctx, key, values, before) and _read_only(ctx, bound, before, after):
                errors.append(FieldError(prefix + key, READ_ONLY_NOW, label_of(bound)))
        for sub in self.subtables:
            key = sub.field.key
            if key in typed and key not in self.locked and key in values:
                old_rows = None if before is None else before.get(key)
                errors.extend(
                    _refused_rows(ctx, sub, values[key] or [], old_rows, f"{prefix}{key}")
                )
        return errors

    def _changed(
        self,
        ctx: WriteContext,
        key: str,
        values: Mapping[str, Any],
        before: Mapping[str, Any] | None,
    ) -> bool:
        if key not in values:
            return False
        if before is not None:
            return bool(values[key] != before.get(key))
        default = _default(self.fields[key], ctx)
        if isinstance(self.fields[key].type, ChildRows) and default is None:
            default = []
        return bool(values[key] != default)


def _default(bound: BoundField, ctx: WriteContext) -> Any:
    """The field's default; None when it is invalid (the validation reports that)."""
    try:
        return default_value(bound, ctx)
    except FieldInvalid:
        return None


def _read_only(
    ctx: WriteContext,
    bound: BoundField,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
) -> bool:
    source = bound.defn.readonly_when
    if before is not None and condition(source, before, ctx, otherwise=False):
        return True
    return condition(source, after, ctx, otherwise=False)


def _refused_rows(
    ctx: WriteContext,
    sub: SubtableRules,
    rows: Sequence[Mapping[str, Any]],
    old_rows: Sequence[Mapping[str, Any]] | None,
    path: str,
) -> list[FieldError]:
    """Row ``i`` against stored row ``i``; a new row against the sub-fields' defaults."""
    errors = []
    old = list(old_rows or [])
    for i, row in enumerate(rows):
        stored = old[i] if i < len(old) else None
        for bound in sub.conditional:
            key = bound.key
            if stored is not None:
                changed = row.get(key) != stored.get(key)
            else:
                changed = row.get(key) != _default(bound, ctx)
            if changed and _read_only(ctx, bound, stored, row):
                where = row_label(sub.field, i, label_of(bound))
                errors.append(FieldError(f"{path}[{i}].{key}", READ_ONLY_NOW, where))
    return errors


def input_rules(entity: EntityRuntime, locked: frozenset[str] = frozenset()) -> InputRules | None:
    """The rules of a writer for whom ``locked`` fields are read-only; None when a
    write of this entity by them has nothing to check (most writes: no cost)."""
    return _rules(entity, locked)


@lru_cache(maxsize=1024)
def _rules(entity: EntityRuntime, locked: frozenset[str]) -> InputRules | None:
    # EntityRuntime hashes by identity and lives as long as its app version.
    writable = [f for f in entity.fields.values() if f.type.writable]
    conditional = tuple(f for f in writable if f.defn.readonly_when is not None)
    subtables = []
    for bound in writable:
        if isinstance(bound.type, SubtableType):
            inner = tuple(
                f
                for f in sub_fields(bound).values()
                if f.type.writable and f.defn.readonly_when is not None
            )
            if inner:
                subtables.append(SubtableRules(bound, inner))
    locked = frozenset(k for k in locked if k in entity.fields and entity.fields[k].type.writable)
    if not (locked or conditional or subtables):
        return None
    return InputRules(entity.fields, locked, conditional, tuple(subtables))


__all__ = ["READ_ONLY_FOR_YOU", "READ_ONLY_NOW", "InputRules", "SubtableRules", "input_rules"]
