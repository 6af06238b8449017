"""Kinds of values a filter compares, and which operators each kind allows.

Each field type names the kind it filters as (``FieldType.filter_kind``), and
each kind lists its operators, so this is the one place that says which
operators a kind allows. A type whose kind is None cannot be filtered (the API
answers 422 naming the field).

A kind also turns an operand into a comparable value *without* the field's
own limits: ``amount < 1000000`` is a fair question even when the field's
``max`` is lower. Values that must be storable (``eq``, ``in``) go through
the field type instead (``Target.exact``).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ColumnElement, Text, and_, cast, or_

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.datetime import DEFAULT_TZ, parse_moment
from engine.forms.field_types.link import MAX_ID
from engine.forms.field_types.number import to_decimal
from engine.forms.field_types.select import Choice, not_an_option
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime

#: Longest text operand: longer ones can only be mistakes or abuse.
MAX_TEXT_OPERAND = 1000

RANGE = ("lt", "lte", "gt", "gte", "between")


#: The zone local date-times are read in, asked for only when one is compared.
Zone = Callable[[], tzinfo]


def default_zone() -> tzinfo:
    """The zone of a filter bound without a tenant (checks at publish, tests)."""
    return DEFAULT_TZ


class Kind(ABC):
    """How values of one family are compared; subclasses are the kinds."""

    key: ClassVar[str]
    operators: ClassVar[tuple[str, ...]]
    #: Whether ``sort`` may order by fields of this kind.
    sortable: ClassVar[bool] = True

    @abstractmethod
    def value(self, raw: Any, field: BoundField | None) -> Any:
        """A comparable value from a JSON operand, or raise ``FieldInvalid``."""

    def local_value(self, raw: Any, field: BoundField | None, zone: Zone) -> Any:
        """``value``, reading a local time without an offset in ``zone()``'s zone.

        Only date-times have local times: the zone is asked for (a tenant
        setting, one query) only when a filter compares one.
        """
        return self.value(raw, field)

    def from_text(self, text: str) -> Any:
        """The JSON operand a query-string text stands for (``"true"`` → ``True``)."""
        return text

    def blank(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """True where the value is empty (what ``is_empty`` finds)."""
        return column.is_(None)

    def present(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """The exact complement of ``blank``, written so an index can serve it."""
        return column.is_not(None)


class TextKind(Kind):
    key = "text"
    operators = ("eq", "ne", "in", "not_in", "contains", "starts_with", "is_empty")

    def value(self, raw: Any, field: BoundField | None) -> Any:
        if not isinstance(raw, str):
            raise FieldInvalid(Message("value.text"))
        if len(raw) > MAX_TEXT_OPERAND:
            raise FieldInvalid(Message("filter.max_chars", max=MAX_TEXT_OPERAND))
        return raw

    # Blank text may be stored as NULL (left out) or '' (imported), so both count.
    def blank(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return or_(column.is_(None), column == "")

    def present(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(column.is_not(None), column != "")


class NumberKind(Kind):
    key = "number"
    operators = ("eq", "ne", *RANGE, "in", "not_in", "is_empty")

    def value(self, raw: Any, field: BoundField | None) -> Any:
        number = to_decimal(raw)
        # A whole number is sent as an integer, so PostgreSQL compares an
        # integer column without casting it to numeric (keeping its index).
        if number == number.to_integral_value() and abs(number) < 2**63:
            return int(number)
        return number


class DateKind(Kind):
    key = "date"
    operators = ("eq", "ne", *RANGE, "in", "not_in", "is_empty")

    def value(self, raw: Any, field: BoundField | None) -> Any:
        if isinstance(raw, str) and len(raw) == 10:
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        raise FieldInvalid(Message("value.date"))


class DatetimeKind(Kind):
    key = "datetime"
    operators = DateKind.operators

    def value(self, raw: Any, field: BoundField | None) -> Any:
        """ISO 8601; without an offset it is in the default zone (see ``local_value``)."""
        return self.local_value(raw, field, default_zone)

    def local_value(self, raw: Any, field: BoundField | None, zone: Zone) -> Any:
        """ISO 8601; without an offset it is the tenant's local time, as on input."""
        if not isinstance(raw, str):
            raise FieldInvalid(Message("value.datetime"))
        try:
            local = len(raw) <= 40 and dt.datetime.fromisoformat(raw).tzinfo is None
        except ValueError:
            local = False  # parse_moment names the problem
        # A moment with an offset of its own needs no zone: none is asked for.
        return parse_moment(raw, zone()) if local else parse_moment(raw)


class TimeKind(Kind):
    key = "time"
    operators = DateKind.operators

    def value(self, raw: Any, field: BoundField | None) -> Any:
        if isinstance(raw, str) and 4 <= len(raw) <= 8:
            try:
                moment = dt.time.fromisoformat(raw)
            except ValueError:
                pass
            else:
                if moment.tzinfo is None:
                    return moment
        raise FieldInvalid(Message("value.time"))


class ChoiceKind(Kind):
    """One option of a list (select)."""

    key = "choice"
    operators = ("eq", "ne", "in", "not_in", "is_empty")

    def value(self, raw: Any, field: BoundField | None) -> Any:
        allowed = options_of(field)
        if not isinstance(raw, str) or (allowed is not None and raw not in allowed):
            choices = getattr(field.options, "options", None) if field is not None else None
            if isinstance(choices, list) and all(isinstance(c, Choice) for c in choices):
                raise not_an_option(raw, choices)  # named by their labels
            listed = ", ".join(sorted(allowed or ()))
            raise FieldInvalid(Message("value.not_an_option", value=repr(raw), allowed=listed))
        return raw


class ArrayKind(Kind):
    """Several values in one JSON array; ``contains`` means "has any of"."""

    operators = ("contains", "is_empty")
    sortable = False

    def from_text(self, text: str) -> Any:
        return [part for part in text.split(",") if part]

    # Blank arrays may be SQL NULL, JSON null or [] depending on how they were written.
    def blank(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return or_(column.is_(None), cast(column, Text).in_(["null", "[]"]))

    def present(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(column.is_not(None), cast(column, Text).not_in(["null", "[]"]))


class ChoicesKind(ArrayKind):
    """Options of a list (multiselect)."""

    key = "choices"

    def value(self, raw: Any, field: BoundField | None) -> Any:
        return CHOICE.value(raw, field)


class TagsKind(ArrayKind):
    """Free text labels: an element matches exactly, as it was stored."""

    key = "tags"

    def value(self, raw: Any, field: BoundField | None) -> Any:
        if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_TEXT_OPERAND:
            raise FieldInvalid(Message("filter.tag"))
        return raw.strip()


class IdsKind(ArrayKind):
    """Ids of several users."""

    key = "ids"

    def value(self, raw: Any, field: BoundField | None) -> Any:
        return REFERENCE.value(raw, field)

    def from_text(self, text: str) -> Any:
        return [REFERENCE.from_text(part) for part in text.split(",") if part]


class ReferenceKind(Kind):
    """The id of a linked record or of a user."""

    key = "reference"
    operators: ClassVar[tuple[str, ...]] = ("eq", "ne", "in", "not_in", "is_empty")

    def value(self, raw: Any, field: BoundField | None) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise FieldInvalid(Message("filter.id"))
        # Ids are INTEGER columns: a larger value made SQLite's driver raise
        # OverflowError (a 500); no record can have it, so it is refused.
        if raw > MAX_ID:
            raise FieldInvalid(Message("filter.id_max", max=MAX_ID))
        return raw

    def from_text(self, text: str) -> Any:
        # Not int() on any digits: over 4,300 of them it raises (a 500); a text
        # is refused by value() with the message above.
        if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
            return int(text)
        return text


class RecordIdKind(ReferenceKind):
    """``id`` and ``version``: never blank, and ranges make sense (``id > 1000``)."""

    key = "record_id"
    operators = ("eq", "ne", *RANGE, "in", "not_in")


class BooleanKind(Kind):
    key = "boolean"
    operators = ("eq", "is_empty")

    def value(self, raw: Any, field: BoundField | None) -> Any:
        if not isinstance(raw, bool):
            raise FieldInvalid(Message("value.boolean"))
        return raw

    def from_text(self, text: str) -> Any:
        return {"true": True, "1": True, "false": False, "0": False}.get(text.lower(), text)


def options_of(field: BoundField | None) -> frozenset[str] | None:
    options = getattr(field.options, "values", None) if field is not None else None
    return frozenset(options()) if callable(options) else None


TEXT = TextKind()
NUMBER = NumberKind()
DATE = DateKind()
DATETIME = DatetimeKind()
TIME = TimeKind()
CHOICE = ChoiceKind()
CHOICES = ChoicesKind()
TAGS = TagsKind()
REFERENCE = ReferenceKind()
IDS = IdsKind()
RECORD_ID = RecordIdKind()
BOOLEAN = BooleanKind()

KINDS: tuple[Kind, ...] = (
    TEXT,
    NUMBER,
    DATE,
    DATETIME,
    TIME,
    CHOICE,
    CHOICES,
    TAGS,
    REFERENCE,
    IDS,
    RECORD_ID,
    BOOLEAN,
)

#: Kinds by key: a field type names its kind (``FieldType.filter_kind``).
KIND_BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}


def kind_of(
    field: BoundField, entity: EntityRuntime | None = None, app: AppRuntime | None = None
) -> Kind | None:
    """The kind ``field`` of ``entity`` filters as, or None when it cannot be filtered.

    The field's type says (``filter_kind_of``). Without ``entity`` and ``app``,
    kinds that depend on other entities (looked-up values) are unknown.
    """
    key = field.type.filter_kind_of(field, entity, app)
    return KIND_BY_KEY[key] if key is not None else None


#: Columns every entity table has, by the kind they filter as.
SYSTEM_KINDS: dict[str, Kind] = {
    "id": RECORD_ID,
    "version": RECORD_ID,
    "created_at": DATETIME,
    "created_by": REFERENCE,
    "updated_at": DATETIME,
    "updated_by": REFERENCE,
    "deleted_at": DATETIME,
    "deleted_by": REFERENCE,
}


__all__ = [
    "KINDS",
    "KIND_BY_KEY",
    "SYSTEM_KINDS",
    "Kind",
    "kind_of",
]
