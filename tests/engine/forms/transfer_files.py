"""Hand-made XLSX files for the import tests: honest, lying, hostile and broken ones.

They are built from raw XML so that a test controls exactly what the file
claims (``<dimension>``), where its cells are, and what its prolog declares.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value: Any) -> bytes:
    """One cell: a number, or an inline string."""
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'.encode()
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'.encode()


def rows_xml(rows: Iterable[tuple[int, Sequence[Any]]]) -> bytes:
    """``<row>`` elements of (row number, cells from column A)."""
    parts = []
    for number, values in rows:
        cells = b"".join(
            cell(f"{column_letters(i)}{number}", v)
            for i, v in enumerate(values, start=1)
            if v is not None
        )
        parts.append(f'<row r="{number}">'.encode() + cells + b"</row>")
    return b"".join(parts)


def sheet_xml(body: bytes, dimension: str = "A1", prolog: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f'<dimension ref="{dimension}"/>'.encode()
        + b"<sheetData>"
        + body
        + b"</sheetData></worksheet>"
    )


def workbook(sheet: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """An XLSX archive around one sheet's XML (and any extra parts)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr(SHEET, sheet)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def table(rows: Sequence[Sequence[Any]], dimension: str | None = None) -> bytes:
    """An XLSX of ``rows`` from A1, its ``<dimension>`` as given (or honest)."""
    width = max(len(r) for r in rows)
    dimension = dimension or f"A1:{column_letters(width)}{len(rows)}"
    return workbook(sheet_xml(rows_xml(enumerate(rows, start=1)), dimension))


def small_but_huge(header: Sequence[str], first: Sequence[Any]) -> bytes:
    """The issue's file: about 1.6 KB, claims all 1,048,576 × 16,384 cells, and holds a
    value at XFD1048576 — a reader that allocates the extent pads a million rows."""
    body = rows_xml([(1, header), (2, first)]) + (
        b'<row r="1048576">' + cell("XFD1048576", "far") + b"</row>"
    )
    return workbook(sheet_xml(body, "A1:XFD1048576"))


def bomb(megabytes: int) -> bytes:
    """A valid-looking workbook whose sheet unpacks to ``megabytes`` MB of whitespace."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open(SHEET, "w", force_zip64=True) as part:
            part.write(sheet_xml(b"")[: -len(b"</sheetData></worksheet>")])
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()
