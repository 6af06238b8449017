"""Records from an XLSX or CSV file: headers to fields, cells to values, one bulk create.

The first row holds the headers; each maps to a field by its key or its
label in either language. The cells become the JSON values a client would
send (``engine.forms.transfer.cells``) and all rows go through
``GuardedWrites.create_many``: the caller's create permission and writable
fields, validation, formulas, autonumbers and the audit log, in the
caller's transaction, so either every row is created or none is.

Problems are named ``rows[N].field`` where N is the row number the
spreadsheet shows (the header is row 1) and ``field`` the field's key;
problems of a header are named ``columns.<header>`` and those of the file
itself ``file``. Each also carries ``row`` and ``column`` (the header text)
for people. At most ``MAX_ERRORS`` are listed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from engine.forms.errors import FieldInvalid, RecordInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.guard import GuardedWrites
from engine.forms.permissions import FieldAccess
from engine.forms.records import SYSTEM_COLUMNS
from engine.forms.transfer.cells import BLANK, LANGS, NOT_IN_SHEETS, from_cell, kind_of, texts_of
from engine.forms.transfer.export import FORMULA_STARTS
from engine.forms.transfer.lookups import Lookups

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ERRORS = 200
XLSX_MAGIC = b"PK\x03\x04"
BATCH_PREFIX = re.compile(r"^\[(\d+)\]\.")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    row: int | None = None
    column: str | None = None

    def to_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.row is not None:
            answer["row"] = self.row
        if self.column is not None:
            answer["column"] = self.column
        return answer


class ImportInvalid(Exception):
    """The file cannot be imported; ``problems`` lists the first ``MAX_ERRORS`` of ``total``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.total = len(problems)
        self.problems = list(problems)[:MAX_ERRORS]
        listed = "" if self.total <= MAX_ERRORS else f"; the first {MAX_ERRORS} are listed"
        super().__init__(f"the file cannot be imported: {self.total} problem(s){listed}")


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    #: (the row number the spreadsheet shows, its cells), blank rows left out.
    rows: list[tuple[int, list[Any]]]


def _file_problem(message: str) -> ImportInvalid:
    return ImportInvalid([Problem("file", message)])


# -- reading the file ---------------------------------------------------------
def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _collect(rows: Iterator[Sequence[Any]]) -> Sheet:
    header_cells = next(rows, None)
    if header_cells is None or _blank(header_cells):
        raise _file_problem("the first row must hold the column headers")
    header = ["" if c is None else str(c).strip() for c in header_cells]
    found: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows, start=2):
        if _blank(cells):
            continue
        if len(found) == MAX_ROWS:
            raise _file_problem(f"has more than {MAX_ROWS} rows; split it into several files")
        found.append((number, list(cells)))
    if not found:
        raise _file_problem("has no rows below the headers")
    return Sheet(header, found)


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _file_problem("is not a readable XLSX workbook") from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[Sequence[Any]]:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel on Chinese Windows saves "CSV" in the ANSI code page, GBK.
            text = data.decode("gb18030", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [_unquote(cell) for cell in row]


def _unquote(cell: str) -> str:
    """Drop the quote the CSV export puts before a text that looks like a formula."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The headers and non-blank rows of the first worksheet (XLSX) or of a CSV file."""
    if len(data) > MAX_BYTES:
        raise _file_problem(f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        return _collect(_xlsx_rows(data))
    if name.endswith((".xlsx", ".xls", ".xlsm")):
        raise _file_problem("is not an XLSX workbook (save old .xls files as .xlsx)")
    return _collect(_csv_rows(data))


# -- headers to fields --------------------------------------------------------
@dataclass(frozen=True)
class Mapped:
    index: int
    header: str
    bound: BoundField


def _names(writes: GuardedWrites) -> dict[str, str]:
    """Header (case-insensitive) → field key: keys first, then labels in each language."""
    names: dict[str, str] = {}
    fields = writes.entity.fields
    for key in fields:
        names[key.casefold()] = key
    for lang in LANGS:
        for key, bound in fields.items():
            label = (bound.defn.label or {}).get(lang)
            if label:
                names.setdefault(label.strip().casefold(), key)
    return names


def map_columns(writes: GuardedWrites, sheet: Sheet) -> list[Mapped]:
    """The columns that become values; 422 for unknown, read-only or repeated headers."""
    names = _names(writes)
    ignored = {key.casefold() for key in SYSTEM_COLUMNS}
    access = writes.access
    mapped: list[Mapped] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(sheet.header):
        where = f"columns.{header}"
        if not header:
            if any(index < len(cells) and not _blank([cells[index]]) for _, cells in sheet.rows):
                letter = get_column_letter(index + 1)
                problems.append(
                    Problem(f"columns.{letter}", f"column {letter} has values but no header", 1)
                )
            continue
        folded = header.casefold()
        if folded in ignored:
            continue  # the id and stamps of an export: an import always creates
        key = names.get(folded)
        hidden = key is not None and not access.unrestricted and key in access.hidden
        if key is None or hidden:
            entity = writes.entity.key
            message = f"{header!r} is neither the label nor the key of a field of {entity}"
            problems.append(Problem(where, message, 1, header))
            continue
        bound = writes.entity.fields[key]
        if not bound.type.writable:
            continue  # computed by the engine (formula, autonumber, roll-up): exported only
        if bound.type.key in NOT_IN_SHEETS:
            message = f"{bound.type.key} values cannot be imported from a spreadsheet"
            problems.append(Problem(where, message, 1, header))
        elif not access.unrestricted and access.fields[key] is not FieldAccess.WRITE:
            problems.append(Problem(where, "is read-only for you", 1, header))
        elif key in seen:
            message = f"names the same field as the column {seen[key]!r}"
            problems.append(Problem(where, message, 1, header))
        else:
            seen[key] = header
            mapped.append(Mapped(index, header, bound))
    if problems:
        raise ImportInvalid(problems)
    return mapped


# -- rows to records ----------------------------------------------------------
def _cell(cells: Sequence[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _inputs(
    sheet: Sheet, columns: Sequence[Mapped], lookups: Lookups
) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    for column in columns:
        if kind_of(column.bound) in ("link", "links"):
            cells = [_cell(cells, column.index) for _, cells in sheet.rows]
            lookups.prepare_titles(column.bound, texts_of(cells, column.bound))
    good: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for number, cells in sheet.rows:
        values: dict[str, Any] = {}
        failed = False
        for column in columns:
            try:
                value = from_cell(column.bound, _cell(cells, column.index), lookups.resolve)
            except FieldInvalid as err:
                field = f"rows[{number}].{column.bound.key}"
                problems.append(Problem(field, err.message, number, column.header))
                failed = True
                continue
            if value is not BLANK:
                values[column.bound.key] = value
        if not failed:
            good.append((number, values))
    return good, problems


def _row_problems(
    err: RecordInvalid, rows: Sequence[tuple[int, dict[str, Any]]], headers: dict[str, str]
) -> list[Problem]:
    problems = []
    for error in err.errors:
        match = BATCH_PREFIX.match(error.field)
        if match is not None:
            number = rows[int(match.group(1))][0]
            rest = error.field[match.end() :]
        else:
            number, rest = rows[0][0], error.field
        key = re.split(r"[.\[]", rest, maxsplit=1)[0]
        problems.append(Problem(f"rows[{number}].{rest}", error.message, number, headers.get(key)))
    return problems


def import_records(writes: GuardedWrites, lookups: Lookups, sheet: Sheet) -> list[int]:
    """Create one record per row, all or none; ``ImportInvalid`` names every problem found.

    Runs in the caller's transaction: on any problem, raise and let it roll back.
    """
    writes.access.require("create")
    columns = map_columns(writes, sheet)
    good, problems = _inputs(sheet, columns, lookups)
    headers = {c.bound.key: c.header for c in columns}
    ids: list[int] = []
    if good:
        # Rows whose cells were unreadable are left out, so the rest are still checked
        # and one answer names every problem; the caller rolls back when there are any.
        try:
            ids = writes.create_many([values for _, values in good])
        except RecordInvalid as err:
            problems += _row_problems(err, good, headers)
    if problems:
        order = {c.bound.key: i for i, c in enumerate(columns)}
        problems.sort(
            key=lambda p: (p.row or 0, order.get(p.field.split(".", 1)[-1].split(".")[0], 0))
        )
        raise ImportInvalid(problems)
    return ids


__all__ = [
    "MAX_BYTES",
    "MAX_ERRORS",
    "MAX_ROWS",
    "ImportInvalid",
    "Problem",
    "Sheet",
    "import_records",
    "map_columns",
    "read_sheet",
]
