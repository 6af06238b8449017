"""What is wrong with an import: one ``Problem`` per cell, header or file, all in one 422."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.errors import DomainError
from engine.i18n import Message

#: At most this many problems are listed in one answer; ``total_errors`` counts them all.
MAX_ERRORS = 200


@dataclass(frozen=True)
class Problem:
    """``field`` is ``file``, ``columns.<header>`` or ``rows[N].<field key>``."""

    field: str
    message: str
    row: int | None = None
    column: str | None = None

    def to_json(self) -> dict[str, Any]:
        """``label`` says where the problem is for a reader: "第3行「线索来源」"."""
        answer: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.field.startswith("columns.") and self.column is not None:
            answer["label"] = {"en": self.column}
        elif self.row is not None and self.column is not None:
            answer["label"] = Message("label.import_cell", row=self.row, column=self.column)
        elif self.row is not None:
            answer["label"] = Message("label.import_row", row=self.row)
        elif self.field == "file":
            answer["label"] = Message("label.file")
        if self.row is not None:
            answer["row"] = self.row
        if self.column is not None:
            answer["column"] = self.column
        return answer


class ImportInvalid(DomainError):
    """The file cannot be imported; ``problems`` says why (a 422)."""

    status = 422
    title = "Invalid input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        problems = list(problems)
        self.total = len(problems)
        self.problems = problems[:MAX_ERRORS]
        if self.total <= MAX_ERRORS:
            super().__init__(Message("import.invalid", total=self.total))
        else:
            super().__init__(Message("import.invalid_listed", total=self.total, listed=MAX_ERRORS))

    def problem_errors(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self.problems]

    def problem_members(self) -> dict[str, Any]:
        return {"total_errors": self.total}


def file_problem(message: str) -> ImportInvalid:
    """A problem of the file as a whole: ``field`` is ``file``, ``message`` says what to do."""
    return ImportInvalid([Problem("file", message)])


__all__ = ["MAX_ERRORS", "ImportInvalid", "Problem", "file_problem"]
