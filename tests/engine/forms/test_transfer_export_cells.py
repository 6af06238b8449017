"""Exported texts that a spreadsheet could run as formulas stay texts; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from engine.forms.transfer.cells import looks_like_formula
from engine.forms.transfer.export import Column, write_csv, write_xlsx

DANGEROUS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    '＝HYPERLINK("http://evil")',
    "＋1",
    "－1",
    "＠SUM(A1)",
]
HARMLESS = ["Acme", "1+1", " =1", "a=b", "'quoted", "１２３"]
COLUMNS = [Column("id", "ID", None), Column("text", "Text", None)]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_starts_are_recognised(text: str) -> None:
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_texts_are_left_alone(text: str) -> None:
    assert not looks_like_formula(text)


def _rows() -> list[list[Any]]:
    return [[i, text] for i, text in enumerate([*DANGEROUS, *HARMLESS], start=1)] + [[-5, -5.5]]


def test_csv_cells_get_a_leading_quote_and_numbers_stay_numbers() -> None:
    content = write_csv(COLUMNS, iter(_rows())).decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(content, newline="")))[1:]
    texts = [row[1] for row in cells]
    assert texts[: len(DANGEROUS)] == ["'" + text for text in DANGEROUS]
    assert texts[len(DANGEROUS) : -1] == HARMLESS
    assert cells[-1] == ["-5", "-5.5"]  # numbers are never quoted


def test_xlsx_cells_are_quote_prefixed_text_and_numbers_stay_numbers() -> None:
    content = write_xlsx(COLUMNS, iter(_rows()), "Sheet")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    for row, text in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row, 2)
        # XML reads a bare CR as LF; the text is otherwise the same.
        assert cell.value in (text, text.replace("\r", "\n"))
        assert cell.data_type == "s" and cell.quotePrefix, text
    for row, text in enumerate(HARMLESS, start=len(DANGEROUS) + 2):
        cell = sheet.cell(row, 2)
        assert cell.value == text and not cell.quotePrefix
    last = sheet.max_row
    assert sheet.cell(last, 1).value == -5 and sheet.cell(last, 1).data_type == "n"
    assert sheet.cell(last, 2).value == -5.5 and sheet.cell(last, 2).data_type == "n"
