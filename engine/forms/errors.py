"""Errors of the forms engine; the API turns them into problem+json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import DomainError, field_errors


class FieldInvalid(ValueError):
    """Raised by a field type when one value is not acceptable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class RecordInvalid(DomainError):
    """A record failed validation; ``errors`` names every failing field (422)."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def problem_detail(self) -> str:
        return "the record is not valid"

    def problem_errors(self) -> list[dict[str, Any]]:
        return field_errors(self.errors)


class RecordNotFound(DomainError, LookupError):
    """No such record, or none the user may see (404: its existence does not leak)."""

    status = 404
    title = "Not found"


class StaleVersion(DomainError):
    """The write named a version that is no longer the record's (409)."""

    status = 409
    title = "Conflict"

    def __init__(self, current: int) -> None:
        super().__init__(f"the record was changed by someone else (now at version {current})")
        self.current = current

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": "version", "message": str(self)}]

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
