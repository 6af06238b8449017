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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.definition import SYSTEM_FIELDS
from engine.forms.errors import FieldInvalid, RecordInvalid, noun_of
from engine.forms.field_types.base import BoundField
from engine.forms.guard import GuardedWrites
from engine.forms.permissions import EntityAccess, FieldAccess
from engine.forms.runtime import EntityRuntime
from engine.forms.transfer.cells import BLANK, LANGS, from_cell, in_sheets, kind_of, texts_of
from engine.forms.transfer.limits import ImportLimits
from engine.forms.transfer.lookups import Lookups
from engine.forms.transfer.problems import MAX_ERRORS, ImportInvalid, Problem
from engine.forms.transfer.sheets import Sheet, blank, read_sheet
from engine.forms.transfer.xlsx_reader import column_letter
from engine.i18n import Message

#: The default bounds (``ImportLimits``); the API passes its own from the settings.
MAX_BYTES = ImportLimits().max_bytes
MAX_ROWS = ImportLimits().max_rows
#: What the import template appends to a required field's header.
REQUIRED_MARK = "*"
BATCH_PREFIX = re.compile(r"^\[(\d+)\]\.")


# -- headers to fields --------------------------------------------------------
@dataclass(frozen=True)
class Mapped:
    index: int
    header: str
    bound: BoundField


def _names(entity: EntityRuntime) -> dict[str, str]:
    """Header (case-insensitive) → field key: keys first, then labels in each language."""
    names: dict[str, str] = {}
    fields = entity.fields
    for key in fields:
        names[key.casefold()] = key
    for lang in LANGS:
        for key, bound in fields.items():
            label = (bound.defn.label or {}).get(lang)
            if label:
                names.setdefault(label.strip().casefold(), key)
    return names


def map_columns(entity: EntityRuntime, access: EntityAccess, sheet: Sheet) -> list[Mapped]:
    """The columns that become values; 422 for unknown, read-only or repeated headers."""
    names = _names(entity)
    ignored = {key.casefold() for key in SYSTEM_FIELDS}
    mapped: list[Mapped] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(sheet.header):
        where = f"columns.{header}"
        if not header:
            if any(index < len(cells) and not blank([cells[index]]) for _, cells in sheet.rows):
                letter = column_letter(index + 1)
                message = Message("import.no_header", column=letter)
                problems.append(Problem(f"columns.{letter}", message, 1))
            continue
        folded = header.casefold()
        if folded in ignored:
            continue  # the id and stamps of an export: an import always creates
        key = names.get(folded)
        if key is None and folded.endswith(REQUIRED_MARK):
            # The import template marks required fields' headers: "客户名称 *".
            key = names.get(folded.removesuffix(REQUIRED_MARK).rstrip())
        hidden = key is not None and not access.unrestricted and key in access.hidden
        if key is None or hidden:
            message = Message("import.unknown_column", header=repr(header), entity=noun_of(entity))
            problems.append(Problem(where, message, 1, header))
            continue
        bound = entity.fields[key]
        if not bound.type.writable:
            continue  # computed by the engine (formula, autonumber, roll-up): exported only
        if not in_sheets(bound):
            kind = {**bound.type.label, "en": bound.type.key}
            message = Message("import.not_importable", type=kind)
            problems.append(Problem(where, message, 1, header))
        elif not access.unrestricted and access.fields[key] is not FieldAccess.WRITE:
            problems.append(Problem(where, Message("value.read_only_for_you"), 1, header))
        elif key in seen:
            message = Message("import.same_field", column=repr(seen[key]))
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


@dataclass(frozen=True)
class Prepared:
    """The rows as the values a client would send, and the cells that could not be read."""

    columns: list[Mapped]
    #: (the spreadsheet's row number, the row's values), rows with unreadable cells left out.
    rows: list[tuple[int, dict[str, Any]]]
    problems: list[Problem]


def link_texts(sheet: Sheet, columns: Sequence[Mapped]) -> dict[str, set[str]]:
    """Field key → every title its link column names, so they are looked up in one batch."""
    return {
        column.bound.key: texts_of(
            [_cell(cells, column.index) for _, cells in sheet.rows], column.bound
        )
        for column in columns
        if kind_of(column.bound) in ("link", "links")
    }


def prepare_rows(sheet: Sheet, columns: Sequence[Mapped], lookups: Lookups) -> Prepared:
    """Every cell as its field's JSON value (the slow part: no transaction needed).

    ``lookups`` must have loaded what the columns name (``Lookups.load``).
    """
    good: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for number, cells in sheet.rows:
        values: dict[str, Any] = {}
        failed = False
        for column in columns:
            cell = _cell(cells, column.index)
            try:
                if isinstance(cell, str) and "\x00" in cell:
                    raise FieldInvalid(Message("import.nul"))
                value = from_cell(column.bound, cell, lookups.resolve, lookups.tz)
            except FieldInvalid as err:
                field = f"rows[{number}].{column.bound.key}"
                problems.append(Problem(field, err.message, number, column.header))
                failed = True
                continue
            if value is not BLANK:
                values[column.bound.key] = value
        if not failed:
            good.append((number, values))
    return Prepared(list(columns), good, problems)


def row_problems(
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


def create_rows(writes: GuardedWrites, prepared: Prepared) -> list[int]:
    """Create one record per prepared row, all or none; ``ImportInvalid`` names every problem.

    Runs in the caller's (write) transaction: on any problem, raise and let it roll
    back. ``GuardedWrites`` checks the caller's create permission and writable
    fields again, as they are at the time of the write.
    """
    writes.access.require("create")
    columns, good = prepared.columns, prepared.rows
    problems = list(prepared.problems)
    headers = {c.bound.key: c.header for c in columns}
    ids: list[int] = []
    if good:
        # Rows whose cells were unreadable are left out, so the rest are still checked
        # and one answer names every problem; the caller rolls back when there are any.
        try:
            ids = writes.create_many([values for _, values in good])
        except RecordInvalid as err:
            problems += row_problems(err, good, headers)
    if problems:
        order = {c.bound.key: i for i, c in enumerate(columns)}
        problems.sort(
            key=lambda p: (p.row or 0, order.get(p.field.split(".", 1)[-1].split(".")[0], 0))
        )
        raise ImportInvalid(problems)
    return ids


def import_records(writes: GuardedWrites, lookups: Lookups, sheet: Sheet) -> list[int]:
    """Map, read and create in one go, in the caller's transaction (for scripts and tests).

    The API splits these steps so that only ``create_rows`` runs in the write
    transaction (api/routes/transfer.py).
    """
    writes.access.require("create")
    columns = map_columns(writes.entity, writes.access, sheet)
    lookups.load(columns, link_texts(sheet, columns))
    return create_rows(writes, prepare_rows(sheet, columns, lookups))


__all__ = [
    "MAX_BYTES",
    "MAX_ERRORS",
    "MAX_ROWS",
    "REQUIRED_MARK",
    "ImportInvalid",
    "Mapped",
    "Prepared",
    "Problem",
    "Sheet",
    "create_rows",
    "import_records",
    "link_texts",
    "map_columns",
    "prepare_rows",
    "read_sheet",
    "row_problems",
]
