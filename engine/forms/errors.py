"""Errors of the forms engine; the API turns them into problem+json.

Messages are ``engine.i18n.Message`` where a reader sees them, and a
``FieldError`` carries its field's ``label`` when the raiser knows the
field: the API renders both in the reader's language ("客户名称：必填").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engine.errors import DomainError, field_errors
from engine.i18n import Message

#: A field's label: ``{"zh-CN": "客户名称", "en": "Customer name"}``, or a
#: ``Message`` composing labels (a sub-table row's field).
Label = Mapping[str, str] | Message


class FieldInvalid(ValueError):
    """Raised by a field type when one value is not acceptable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    #: The field's label, when the raiser knows the field (None: the key names it).
    label: Label | None = None

    def within(self, prefix: str, label: Label | None = None) -> FieldError:
        """The same error one level up: ``prefix`` before the path, ``label`` if given."""
        return FieldError(prefix + self.field, self.message, self.label if label is None else label)


class _Labelled(Protocol):
    """What names a field or an entity: a key, and a definition with a label."""

    @property
    def key(self) -> str: ...

    @property
    def defn(self) -> Any: ...


def label_of(thing: _Labelled) -> Label:
    """The label of a bound field or an entity runtime; its key where it has none."""
    label: Label | None = getattr(thing.defn, "label", None)
    return label if label else {"en": thing.key}


def noun_of(thing: _Labelled) -> Label:
    """An entity's label as a noun inside a sentence: "there is no customer with id 4".

    Only the English text changes (its first letter lowered, unless the word is
    an acronym like "CRM"); Chinese has no case, so "客户" stays as it is.
    """
    label = label_of(thing)
    if isinstance(label, Message):
        return label
    english = label.get("en") or ""
    if english[:1].isupper() and not english[1:2].isupper():
        english = english[0].lower() + english[1:]
    return {**label, "en": english} if english else label


def row_label(table: _Labelled, row: int, field: Label | None) -> Message:
    """The label of a field in row ``row`` (from 0) of a sub-table: "明细第2行·产品"."""
    return Message("label.row", table=label_of(table), row=row + 1, field=field or "")


class RecordInvalid(DomainError):
    """A record failed validation; ``errors`` names every failing field (422)."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def problem_detail(self) -> str:
        return Message("record.invalid")

    def problem_errors(self) -> list[dict[str, Any]]:
        return field_errors(self.errors)


class QueryInvalid(RecordInvalid):
    """A query parameter (``filter``, ``sort``, ``q``, ``page``, a view, an export's
    format…) cannot be used: 422 naming it, said as a bad request, not a bad record."""

    def problem_detail(self) -> str:
        return Message("request.invalid")


class RecordNotFound(DomainError, LookupError):
    """No such record, or none the user may see (404: its existence does not leak)."""

    status = 404
    title = "Not found"

    @classmethod
    def of(cls, entity: _Labelled) -> RecordNotFound:
        """The one answer for a record of ``entity`` that is missing or out of
        scope: it names neither the id nor which of the two it is."""
        return cls(Message("record.not_found", entity=label_of(entity)))


class StaleVersion(DomainError):
    """The write named a version that is no longer the record's (409)."""

    status = 409
    title = "Conflict"

    def __init__(self, current: int) -> None:
        super().__init__(Message("record.stale", current=current))
        self.current = current

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": "version", "message": self.problem_detail()}]

    def problem_members(self) -> dict[str, Any]:
        return {"current_version": self.current}


class Conflict(DomainError):
    """The write would break a rule of the data (unique value, restricting link) (409)."""

    status = 409
    title = "Conflict"

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    def problem_errors(self) -> list[dict[str, Any]] | None:
        return field_errors(self.errors) or None
