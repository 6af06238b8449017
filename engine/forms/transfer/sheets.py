"""An uploaded file as a header and rows of cells, read within ``ImportLimits``.

Reading touches no database: the import reads the file before it opens any
transaction, so a slow or hostile file never holds a connection or a lock.
The kind of file is told by its content, not its name: XLSX is a zip
archive; an old ``.xls`` (an OLE compound file) and an OpenDocument ``.ods``
are refused with what to do; anything else is read as CSV text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.forms.transfer.cells import FORMULA_STARTS
from engine.forms.transfer.csv_reader import csv_rows, decode
from engine.forms.transfer.limits import Deadline, ImportLimits
from engine.forms.transfer.problems import file_problem
from engine.forms.transfer.xlsx_reader import xlsx_grid
from engine.i18n import Message

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SPREADSHEET_NAMES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    #: (the row number the spreadsheet shows, its cells), blank rows left out.
    rows: list[tuple[int, list[Any]]]


def blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _header_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a header typed as 2026 comes back from XLSX as 2026.0
    return str(cell).strip()


def _collect(
    rows: Iterator[tuple[int, list[Any]]], limits: ImportLimits, deadline: Deadline
) -> Sheet:
    first = next(rows, None)
    if first is None:
        raise file_problem(Message("import.empty"))
    if blank(first[1]):
        raise file_problem(Message("import.header_row"))
    header = [_header_text(c) for c in first[1]]
    found: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        if number % 1000 == 0:
            deadline.check()
        if blank(cells):
            continue
        if len(found) == limits.max_rows:
            raise file_problem(Message("import.max_rows_sheet", max=limits.max_rows))
        found.append((number, cells))
    if not found:
        raise file_problem(Message("import.no_rows"))
    return Sheet(header, found)


def _numbered(grid: Iterable[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    return ((number, cells) for number, cells in enumerate(grid, start=1))


def _unquote(cell: str) -> str:
    """Drop the quote the CSV export puts before a text that looks like a formula."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _csv(text: str, limits: ImportLimits, deadline: Deadline) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in csv_rows(text, limits, deadline):
        yield number, [_unquote(cell) for cell in cells]


def read_sheet(
    data: bytes,
    filename: str,
    limits: ImportLimits | None = None,
    encoding: str | None = None,
) -> Sheet:
    """The headers and non-blank rows of the first worksheet (XLSX) or of a CSV file.

    ``encoding`` is the caller's word for a CSV's encoding (``check_encoding``).
    Raises ``ImportInvalid`` naming ``file`` for an empty, broken, hostile or
    too large file, whichever limit it passed; never touches a database.
    """
    limits = limits or ImportLimits()
    deadline = Deadline(limits.max_seconds)
    if len(data) > limits.max_bytes:
        raise file_problem(Message("import.too_large", max=f"{limits.max_bytes / (1024 * 1024):g}"))
    if not data.strip():
        raise file_problem(Message("import.empty"))
    if data.startswith(OLE_MAGIC):
        raise file_problem(Message("import.xls"))
    if data.startswith(ZIP_MAGIC):
        return _collect(_numbered(xlsx_grid(data, limits, deadline)), limits, deadline)
    if filename.lower().endswith(SPREADSHEET_NAMES):
        raise file_problem(Message("import.not_xlsx_named"))
    return _collect(_csv(decode(data, encoding), limits, deadline), limits, deadline)


__all__ = ["Sheet", "blank", "read_sheet"]
