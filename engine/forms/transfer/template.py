"""An empty workbook to fill in and import: one entity's importable fields as headers.

The headers are the labels of the fields an import by the reader accepts
(``importable_columns`` without the ID and version: new records have neither),
in the reader's language; a required field's header ends with `` *`` (the
import reads the label without it) and is red, with a note saying so. A
select's options are an in-sheet dropdown (a list data validation over the
option labels, kept on a hidden second sheet so long lists fit: a literal
list is limited to 255 characters); yes/no fields offer the two words. One
example row, in grey, shows what a cell looks like (the field types'
catalogue ``example``, an option's label for selects); the import reads the
first sheet only, so the option sheet is never imported.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from engine.forms.field_types.base import BoundField
from engine.forms.guard import GuardedReads
from engine.forms.transfer.cells import BOOLEAN_WORDS, cell_of, choice_labels, text_of, to_cell
from engine.forms.transfer.export import Column, importable_columns
from engine.forms.transfer.importing import REQUIRED_MARK

OPTIONS_SHEET = "options"
#: The rows the dropdowns cover below the header (the import's default row bound).
VALIDATED_ROWS = 50_000
REQUIRED_NOTE = {"zh-CN": "必填", "en": "Required"}
PICK_NOTE = {"zh-CN": "请从列表中选择", "en": "Pick a value from the list"}


def template_columns(reads: GuardedReads, lang: str) -> list[Column]:
    """The importable fields, without the ID and version of an export."""
    return [c for c in importable_columns(reads, lang) if c.bound is not None]


def header_of(column: Column) -> str:
    assert column.bound is not None
    required = column.bound.defn.required
    return f"{column.header} {REQUIRED_MARK}" if required else column.header


def dropdown_of(bound: BoundField, lang: str) -> list[str] | None:
    """The texts a column's dropdown offers; None for columns typed freely."""
    kind = cell_of(bound)
    if kind == "choice":
        return list(choice_labels(bound, lang).values())
    if kind == "boolean":
        return list(BOOLEAN_WORDS.get(lang, BOOLEAN_WORDS["en"]))
    return None


def example_of(bound: BoundField, lang: str, tz: ZoneInfo) -> Any:
    """One example cell: an option's label, else the type's catalogue example.

    References (users, departments, linked records) name real rows of the
    tenant, which no example can: their cells stay empty.
    """
    kind = cell_of(bound)
    if kind in ("choice", "choices"):
        labels = list(choice_labels(bound, lang).values())
        return labels[0] if labels else None
    if kind in ("reference", "references"):
        return None
    try:
        return to_cell(bound, bound.type.behaves_as(bound).example.value, None, lang, tz)
    except (TypeError, ValueError):
        return None


def template_file(reads: GuardedReads, lang: str, tz: ZoneInfo) -> bytes:
    """The import template of ``reads.entity`` for the reading user, as XLSX bytes."""
    columns = template_columns(reads, lang)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _title(text_of(reads.entity.defn.label, lang, reads.entity.key))
    options = workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    bold, red, grey = Font(bold=True), Font(bold=True, color="FFC00000"), Font(color="FF808080")
    sheet.append([header_of(column) for column in columns])
    sheet.append([_example(column, lang, tz) for column in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        assert column.bound is not None
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = red if column.bound.defn.required else bold
        if column.bound.defn.required:
            header.comment = Comment(REQUIRED_NOTE.get(lang, "Required"), "Formwork")
        sheet.cell(row=2, column=index).font = grey
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(header.value)) * 2 + 4))
        texts = dropdown_of(column.bound, lang)
        if texts:
            _dropdown(sheet, options, index, texts, lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example(column: Column, lang: str, tz: ZoneInfo) -> Any:
    assert column.bound is not None
    return example_of(column.bound, lang, tz)


def _dropdown(sheet: Any, options: Any, index: int, texts: Sequence[str], lang: str) -> None:
    letter = get_column_letter(index)
    for row, text in enumerate(texts, start=1):
        options.cell(row=row, column=index, value=text)
    source = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$1:${letter}${len(texts)}"
    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    validation.promptTitle = sheet.cell(row=1, column=index).value
    validation.prompt = PICK_NOTE.get(lang, PICK_NOTE["en"])
    validation.showInputMessage = True
    validation.showErrorMessage = True
    validation.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")
    sheet.add_data_validation(validation)


def _title(text: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in text).strip()
    return cleaned[:31] or "Sheet1"


__all__ = ["OPTIONS_SHEET", "dropdown_of", "example_of", "template_columns", "template_file"]
