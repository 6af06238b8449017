"""Errors of the forms engine; the API turns them into problem+json."""

from __future__ import annotations

from dataclasses import dataclass


class FieldInvalid(ValueError):
    """Raised by a field type when one value is not acceptable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class RecordInvalid(Exception):
    """A record failed validation; ``errors`` names every failing field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class RecordNotFound(LookupError):
    pass


class StaleVersion(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"the record was changed by someone else (now at version {current})")
        self.current = current


class Conflict(Exception):
    """The write would break a rule of the data (unique value, restricting link)."""

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
