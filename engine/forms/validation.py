"""Turning JSON input into stored values, collecting every error at once.

The order is the documented lifecycle of a write (design.md): coerce each
value, apply defaults, check required fields, resolve references in one
batch per field, then compute formulas on the completed values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from engine.definition import SYSTEM_FIELDS
from engine.expressions import ExpressionError
from engine.forms.context import WriteContext
from engine.forms.errors import FieldError, FieldInvalid, RecordInvalid, label_of
from engine.forms.field_types.abilities import ChildRows, Computed, LocalTime, References, ability
from engine.forms.field_types.base import BoundField, is_blank
from engine.forms.field_types.formula import compiled
from engine.forms.linkage import apply_linkage, linked_fields
from engine.i18n import Message

#: Keys of a record as the API answers it that a write ignores, so a client
#: may send back the whole record it read (``_access``: what the reader may do).
#: Not ``version``: an update takes it out of the body as the version it read.
SYSTEM_INPUT = frozenset(SYSTEM_FIELDS).difference({"version"}) | {"_display", "_access"}
#: What no column can hold: NUL (PostgreSQL text and JSONB refuse it) and
#: lone surrogates (not UTF-8), which a JSON body may still carry as escapes.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Items looked at per value before giving up the check (bounds the walk of deep JSON).
MAX_ITEMS_CHECKED = 10_000
#: What a text may be surrounded by without meaning anything: every Unicode
#: space (NBSP, the full-width U+3000, line breaks …) and the invisible
#: zero-width characters. A text of nothing else is blank ("is required").
BLANK_CHARACTERS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + (
    "\u200b\u200c\u200d\u2060\ufeff"
)
_BLANK_SET = frozenset(BLANK_CHARACTERS)
#: Types whose texts are stored trimmed (single-line: the surrounding blanks are
#: typing accidents). Multi-line texts keep their layout; e-mails, phones, URLs
#: and id numbers trim in their own coercion.
TRIMMED_TYPES = frozenset({"text"})


def typed_text(field: BoundField, value: Any) -> Any:
    """What a write makes of a value typed into ``field`` before its type coerces it.

    A text of only ``BLANK_CHARACTERS`` is blank (None); a text of a
    ``TRIMMED_TYPES`` field loses the blanks around it; anything else is kept.
    (``validate_values`` does the same inline.)
    """
    if not isinstance(value, str) or not value:
        return value
    stripped = value.strip(BLANK_CHARACTERS)
    if not stripped:
        return None
    return stripped if field.defn.type in TRIMMED_TYPES else value


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
                    return Message("value.nul")
                return Message("value.surrogate")
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
    return None


#: Values a default may evaluate to that are safe to share between records.
_IMMUTABLE = (str, int, float, bool, Decimal, date, time, type(None))


def default_value(field: BoundField, ctx: WriteContext) -> Any:
    default = field.defn.default
    if default is None:
        return None
    if isinstance(default, str) and default.startswith("="):
        known = ctx.defaults.get(field, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        value = _evaluated_default(field, default, ctx)
        if isinstance(value, _IMMUTABLE):  # datetime is a date
            ctx.defaults[field] = value
        return value
    return field.type.coerce(default, field)


_UNKNOWN = object()


def _evaluated_default(field: BoundField, source: str, ctx: WriteContext) -> Any:
    try:
        default = compiled(source).evaluate({}, ctx.eval_context())
    except ExpressionError:
        return None
    if default is None:
        return None
    return field.type.coerce(default, field)


@dataclass(frozen=True, eq=False)
class _Plan:
    """What validating a record of these fields needs, worked out once per field set.

    Bound fields hash by identity and live as long as their runtime, so a bulk
    insert of 10,000 records sorts the fields into these lists once, not per record.
    """

    fields: Mapping[str, BoundField]
    #: (key, field, coerce, stores child rows, has a default, stored trimmed),
    #: in definition order.
    writable: tuple[tuple[str, BoundField, Callable[[Any], Any], bool, bool, bool], ...]
    writable_keys: frozenset[str]
    #: Writable fields whose values are read in the tenant's zone (``LocalTime``).
    local_time: frozenset[str]
    #: Writable fields that can ever be required (statically or by ``required_when``).
    maybe_required: tuple[BoundField, ...]
    #: Computed fields in the order they run, and their keys in definition order.
    computed: tuple[BoundField, ...]
    computed_keys: tuple[str, ...]


@lru_cache(maxsize=1024)
def _plan_for(fields: tuple[BoundField, ...]) -> _Plan:
    writable = [f for f in fields if f.type.writable]
    return _Plan(
        fields={f.key: f for f in fields},
        writable=tuple(
            (
                f.key,
                f,
                f.type.coercer(f),
                isinstance(f.type, ChildRows),
                f.defn.default is not None,
                f.defn.type in TRIMMED_TYPES,
            )
            for f in writable
        ),
        writable_keys=frozenset(f.key for f in writable),
        local_time=frozenset(f.key for f in writable if isinstance(f.type, LocalTime)),
        maybe_required=tuple(f for f in writable if f.required or f.defn.required_when is not None),
        computed=_computed_in_order(fields),
        computed_keys=tuple(f.key for f in fields if isinstance(f.type, Computed)),
    )


def _plan(fields: Mapping[str, BoundField]) -> _Plan:
    return _plan_for(tuple(fields.values()))


def _storable_problem(raw: Any) -> str | None:
    """``unstorable_text``, with shortcuts for the shapes most values have.

    A string, a number, or a flat list or object of strings (tags, an
    address) is checked without the general walk.
    """
    kind = type(raw)
    if kind is str:
        return None if UNSTORABLE.search(raw) is None else unstorable_text(raw)
    if kind is int or kind is float or kind is bool:
        return None
    if kind is list:
        items = raw
    elif kind is dict:
        items = [*raw, *raw.values()]
    else:
        return unstorable_text(raw)
    if len(items) > MAX_ITEMS_CHECKED or not all(type(item) is str for item in items):
        return unstorable_text(raw)
    # "\n" cannot create a match across two strings: the pattern is one character.
    return None if UNSTORABLE.search("\n".join(items)) is None else unstorable_text(raw)


def validate_values(
    fields: Mapping[str, BoundField],
    data: Mapping[str, Any],
    ctx: WriteContext,
    prefix: str = "",
    existing: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Coerce ``data`` field by field; with ``existing`` it is a partial update.

    Returns the values to write (computed ones included) and the errors.
    References are not resolved here: see ``resolve_references``. A text of
    only blank characters (``BLANK_CHARACTERS``) is blank, as if not filled
    in; single-line texts (``TRIMMED_TYPES``) are stored without the blanks
    around them.
    """
    plan = _plan(fields)
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    writable_keys = plan.writable_keys
    for key in data:
        if key in writable_keys:
            continue
        bound = fields.get(key)
        if bound is None:
            if key not in SYSTEM_INPUT:
                errors.append(FieldError(prefix + key, Message("value.not_a_field")))
        elif not is_blank(data[key]):
            errors.append(FieldError(prefix + key, Message("value.computed"), label_of(bound)))
    for key, bound, coerce, child_rows, has_default, trimmed in plan.writable:
        if key not in data:
            if has_default and existing is None:
                try:
                    values[key] = default_value(bound, ctx)
                except FieldInvalid as err:
                    errors.append(
                        FieldError(
                            prefix + key,
                            Message("value.default", message=err.message),
                            label_of(bound),
                        )
                    )
            elif existing is None:
                values[key] = None
            continue
        raw = data[key]
        kind = type(raw)
        # is_blank and the common cases of _storable_problem, inlined: this
        # loop runs once per field of every record of a bulk create.
        if raw is None or ((kind is str or kind is list or kind is dict) and not raw):
            values[key] = [] if child_rows else None
            continue
        if kind is str:
            if raw[0] in _BLANK_SET or raw[-1] in _BLANK_SET:
                stripped = raw.strip(BLANK_CHARACTERS)
                if not stripped:  # only spaces: nothing was typed
                    values[key] = [] if child_rows else None
                    continue
                if trimmed:
                    raw = stripped
            problem = None if UNSTORABLE.search(raw) is None else unstorable_text(raw)
        elif kind is int or kind is float or kind is bool:
            problem = None
        elif kind is list or kind is dict:
            problem = _storable_problem(raw)
        elif is_blank(raw):  # another type that compares equal to a blank value
            values[key] = [] if child_rows else None
            continue
        else:
            problem = _storable_problem(raw)
        if problem is not None:
            errors.append(FieldError(prefix + key, problem, label_of(bound)))
            continue
        try:
            if child_rows:
                values[key] = ability(bound, ChildRows).coerce_rows(bound, raw, ctx)
            elif key in plan.local_time:
                values[key] = ability(bound, LocalTime).coerce_local(raw, bound, ctx.zone())
            else:
                values[key] = coerce(raw)
        except FieldInvalid as err:
            errors.append(FieldError(prefix + key, err.message, label_of(bound)))
        except RecordInvalid as err:
            errors.extend(e.within(prefix) for e in err.errors)
    if linked_fields(fields):  # linkage fills before the required checks see the values
        errors.extend(apply_linkage(fields, data, values, existing, ctx, prefix))
    merged = {**existing, **values} if existing is not None else values
    errors.extend(
        _check_required(plan.maybe_required, merged, ctx, prefix, {e.field for e in errors})
    )
    if not errors and plan.computed:
        if merged is values:
            merged = dict(values)
        for bound in plan.computed:
            merged[bound.key] = ability(bound, Computed).compute(bound, merged, ctx)
        # Definition order, as a stored record lists its fields.
        values.update({key: merged[key] for key in plan.computed_keys})
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
    return _check_required(_plan(fields).maybe_required, merged, ctx, prefix, skip)


def _check_required(
    candidates: Sequence[BoundField],
    merged: Mapping[str, Any],
    ctx: WriteContext,
    prefix: str,
    skip: set[str],
) -> list[FieldError]:
    errors = []
    for bound in candidates:
        key = bound.key
        if (skip and prefix + key in skip) or not is_blank(merged.get(key)):
            continue
        if not condition(bound.defn.visible_when, merged, ctx, otherwise=True):
            continue
        if bound.required or condition(bound.defn.required_when, merged, ctx, otherwise=False):
            errors.append(FieldError(prefix + key, Message("value.required"), label_of(bound)))
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
                errors.append(FieldError(prefixes[i] + bound.key, value.message, label_of(bound)))
            else:
                rows[i][bound.key] = value
    return errors
