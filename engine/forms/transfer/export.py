"""Records of one entity as an XLSX or CSV file, as the user reading them sees them.

The rows come from ``GuardedReads.page`` page by page, so the read scope,
hidden fields and every filter of the list apply unchanged; the cells are
made by ``engine.forms.transfer.cells``. XLSX is written in openpyxl's
write-only mode (rows are streamed into the archive, not kept as cell
objects); CSV is UTF-8 with a byte-order mark, which Excel needs to read
Chinese text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from engine.forms.errors import FieldError, QueryInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.link import LinkType
from engine.forms.guard import GuardedReads
from engine.forms.permissions import FieldAccess
from engine.forms.records import ListQuery
from engine.forms.transfer.cells import (
    csv_text,
    in_sheets,
    looks_like_formula,
    number_format,
    text_of,
    to_cell,
)
from engine.forms.transfer.lookups import ID_TEXT, Lookups
from engine.forms.views import View
from engine.i18n import Message
from engine.tenancy import tenant_timezone

Format = Literal["xlsx", "csv"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv")
#: Which columns an export holds: the view's (what the list shows) or every field an
#: import accepts, so that the file can be edited and imported back (an upsert by ID).
Columns = Literal["view", "importable"]
COLUMN_CHOICES: tuple[Columns, ...] = ("view", "importable")
MAX_ROWS = 50_000
PAGE_SIZE = 500
ID_HEADER = "ID"
#: The record's version, last in an importable export: an import that updates a row
#: changed since the export reports it instead of overwriting the other change.
VERSION_HEADER = "version"
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    #: None for the record's id.
    bound: BoundField | None


def export_columns(reads: GuardedReads, view: View | None, lang: str) -> list[Column]:
    """The id, then the view's columns or the entity's stored fields the user may see."""
    visible = reads.view.fields
    if view is None:
        keys = [bound.key for bound in reads.view.stored]
    elif view.type == "table":
        keys = list(view.columns) or [bound.key for bound in reads.view.stored]
    else:
        title = reads.entity.title_field
        keys = [k for k in (title, view.group_by, *view.card_fields) if k]
    columns = [Column("id", ID_HEADER, None)]
    seen = {"id"}
    for key in keys:
        bound = visible.get(key)
        if bound is None or key in seen or not in_sheets(bound):
            continue
        seen.add(key)
        columns.append(Column(key, text_of(bound.defn.label, lang, key), bound))
    return columns


def importable_columns(reads: GuardedReads, lang: str) -> list[Column]:
    """The id, every field an import by this user accepts (in definition order), the version.

    Those are the stored, writable fields that fit in a cell and that the user
    may write: the columns ``map_columns`` takes without a problem.
    """
    access = reads.access
    columns = [Column("id", ID_HEADER, None)]
    for bound in reads.view.stored:
        if not bound.type.writable or not in_sheets(bound):
            continue
        if not access.unrestricted and access.fields.get(bound.key) is not FieldAccess.WRITE:
            continue
        columns.append(Column(bound.key, text_of(bound.defn.label, lang, bound.key), bound))
    columns.append(Column("version", VERSION_HEADER, None))
    return columns


@dataclass
class LinkCells:
    """Link cells of an importable export that import back as the same record.

    A title is written only when, among the records the importer may read,
    it names that record and no other; otherwise the cell is ``#id`` (two
    contacts named 张伟, a customer that passed to another rep, one in the
    recycle bin). The titles of each page are looked up once, as the import
    looks them up (``Lookups``, the importer's read scope).
    """

    lookups: Lookups
    asked: dict[str, set[str]] = field(default_factory=dict)

    def prepare(self, columns: Sequence[Column], items: Sequence[dict[str, Any]]) -> None:
        for column in columns:
            if column.bound is None or not isinstance(column.bound.type, LinkType):
                continue
            asked = self.asked.setdefault(column.key, set())
            titles = {
                title
                for item in items
                if isinstance(title := (item.get("_display") or {}).get(column.key), str)
                and title.strip()
            }
            new = titles - asked
            if new:
                asked.update(new)
                self.lookups.prepare_titles(column.bound, new)

    def cell(self, bound: BoundField, value: Any, display: Any) -> Any:
        if isinstance(display, str) and self.lookups.names_only(bound, display, value):
            return display
        return f"{ID_TEXT}{value}"


def export_rows(
    reads: GuardedReads,
    query: ListQuery,
    columns: Sequence[Column],
    lang: str,
    links: LinkCells | None = None,
) -> Iterator[list[Any]]:
    """The cells of every matching record, page by page; 422 beyond ``MAX_ROWS``.

    The first page and the count are read here, before any file is started.
    """
    first = reads.page(replace(query, page=1, page_size=PAGE_SIZE, with_total=True))
    total = int(first.get("total") or 0)
    if total > MAX_ROWS:
        raise QueryInvalid(
            [FieldError("limit", Message("record.export_limit", total=total, max=MAX_ROWS))]
        )
    return _cells(reads, query, columns, lang, first["items"], links)


def _cells(
    reads: GuardedReads,
    query: ListQuery,
    columns: Sequence[Column],
    lang: str,
    items: list[dict[str, Any]],
    links: LinkCells | None,
) -> Iterator[list[Any]]:
    page = 1
    tz = tenant_timezone(reads.ctx.conn)
    linked = {
        column.key
        for column in columns
        if links is not None
        and column.bound is not None
        and isinstance(column.bound.type, LinkType)
    }
    while True:
        if links is not None and linked:
            links.prepare(columns, items)
        for item in items:
            display = item.get("_display") or {}
            yield [
                item.get(column.key)
                if column.bound is None
                else links.cell(column.bound, item[column.key], display.get(column.key))
                if links is not None and column.key in linked and item.get(column.key)
                else to_cell(column.bound, item.get(column.key), display.get(column.key), lang, tz)
                for column in columns
            ]
        if len(items) < PAGE_SIZE:
            return
        page += 1
        next_page = replace(query, page=page, page_size=PAGE_SIZE, with_total=False)
        items = reads.page(next_page)["items"]


def write_xlsx(columns: Sequence[Column], rows: Iterator[list[Any]], sheet: str) -> bytes:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_sheet_title(sheet))
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(worksheet, value=column.header)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    formats = [None if c.bound is None else number_format(c.bound) for c in columns]
    for row in rows:
        cells: list[Any] = []
        for value, fmt in zip(row, formats, strict=True):
            if isinstance(value, str):
                cells.append(_text_cell(worksheet, value))
            elif fmt is None or value is None:
                cells.append(value)
            else:
                cell = WriteOnlyCell(worksheet, value=value)
                cell.number_format = fmt
                cells.append(cell)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(worksheet: Any, text: str) -> Any:
    """A text cell that stays text.

    openpyxl would store a text beginning with ``=`` as a formula, so the type is
    set to string; and Excel's quote prefix (``quotePrefix``, shown as a leading
    ``'`` in the formula bar, not in the value) keeps the text a text when a user
    edits the cell, as ``'=…`` typed by hand would.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if not looks_like_formula(text):
        return text
    cell = WriteOnlyCell(worksheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _csv_safe(text: str) -> str:
    # A spreadsheet opening the CSV would run "=HYPERLINK(…)": a leading quote keeps it text
    # (the import takes it off again). Numbers are not texts: -5 stays a number.
    return "'" + text if looks_like_formula(text) else text


def write_csv(columns: Sequence[Column], rows: Iterator[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow(
            [
                _csv_safe(v) if isinstance(v, str) else csv_text(c.bound, v)
                for c, v in zip(columns, row, strict=True)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(text: str) -> str:
    # Excel refuses these characters in sheet names and more than 31 of them.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in text).strip()
    return cleaned[:31] or "Sheet1"


def export_file(
    reads: GuardedReads,
    query: ListQuery,
    view: View | None,
    fmt: Format,
    lang: str,
    which: Columns = "view",
    lookups: Lookups | None = None,
) -> bytes:
    """The whole export of ``query`` as the bytes of one file.

    ``which`` chooses the columns: the view's, or every importable field
    (``importable_columns``) so the file imports back unchanged; ``lookups``
    (the importer's, for an importable export) decides which link cells may
    be titles (``LinkCells``).
    """
    links = None
    if which == "importable":
        columns = importable_columns(reads, lang)
        links = None if lookups is None else LinkCells(lookups)
    else:
        columns = export_columns(reads, view, lang)
    rows = export_rows(reads, query, columns, lang, links)
    if fmt == "csv":
        return write_csv(columns, rows)
    return write_xlsx(columns, rows, text_of(reads.entity.defn.label, lang, reads.entity.key))


__all__ = [
    "COLUMN_CHOICES",
    "FORMATS",
    "ID_HEADER",
    "MAX_ROWS",
    "MEDIA_TYPES",
    "VERSION_HEADER",
    "Column",
    "Columns",
    "Format",
    "export_columns",
    "export_file",
    "export_rows",
    "importable_columns",
]
