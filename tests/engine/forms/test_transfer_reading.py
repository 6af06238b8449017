"""Reading an uploaded file within bounds: lying, hostile, broken and foreign-encoded files.

Reading touches no database, so these tests need none; the API tests
(tests/api/test_transfer_hardening.py) run the same files through HTTP on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import codecs
import io
import time
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from engine.forms.errors import RecordInvalid
from engine.forms.transfer.csv_reader import check_encoding
from engine.forms.transfer.limits import ImportLimits
from engine.forms.transfer.problems import ImportInvalid
from engine.forms.transfer.sheets import read_sheet
from tests.engine.forms import transfer_files as files


def _refused(data: bytes, name: str = "data.xlsx", **limits: float) -> str:
    with pytest.raises(ImportInvalid) as caught:
        read_sheet(data, name, ImportLimits(**limits))  # type: ignore[arg-type]
    problems = caught.value.problems
    assert [p.field for p in problems] == ["file"]
    return problems[0].message


def _openpyxl(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- what the file claims is not what it holds ----------------------------------
def test_a_lying_dimension_is_ignored() -> None:
    data = files.table([["Name", "Amount"], ["Acme", 12]], dimension="A1:XFD1048576")
    started = time.monotonic()
    sheet = read_sheet(data, "x.xlsx")
    assert time.monotonic() - started < 1
    assert sheet.header == ["Name", "Amount"]
    assert sheet.rows == [(2, ["Acme", 12.0])]


def test_the_small_but_huge_sheet_is_refused_at_once_without_allocating_the_gap() -> None:
    data = files.small_but_huge(["Name"], ["Acme"])
    assert len(data) < 2048
    started = time.monotonic()
    message = _refused(data)
    # Had the grid up to XFD1048576 been allocated (17 billion cells), this process
    # would have been killed instead of answering.
    assert time.monotonic() - started < 1
    assert "column XFD" in message


def test_a_single_value_a_million_rows_down_stops_at_the_row_bound() -> None:
    body = files.rows_xml([(1, ["Name"]), (2, ["Acme"]), (1_000_000, ["far"])])
    started = time.monotonic()
    message = _refused(files.workbook(files.sheet_xml(body, "A1:A1000000")))
    assert time.monotonic() - started < 1
    assert "row 1000000" in message and "50000 rows" in message


def test_rows_columns_and_cells_are_bounded_by_the_limits() -> None:
    rows: list[list[Any]] = [["a", "b", "c"]] + [[1, 2, 3] for _ in range(10)]
    assert "row 6" in _refused(files.table(rows), max_rows=4)
    assert "column C" in _refused(files.table(rows), max_columns=2)
    assert "11 rows × 3 columns" in _refused(files.table(rows), max_cells=30)
    csv = "a,b,c\n" + "1,2,3\n" * 10
    assert "more than 4 rows" in _refused(csv.encode(), "x.csv", max_rows=4)
    assert "3 columns" in _refused(csv.encode(), "x.csv", max_columns=2)
    assert "more than 30 cells" in _refused(csv.encode(), "x.csv", max_cells=30)
    assert read_sheet(files.table(rows), "x.xlsx", ImportLimits(max_rows=10, max_cells=33))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # The reference need not be the first attribute ...
        (b'<c s="1" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>', "column XFD"),
        (b"<c t='inlineStr' r = 'XFD2'><is><t>x</t></is></c>", "column XFD"),
        # ... a namespace prefix changes nothing ...
        (b'<x:c r="XFD1048576"><x:v>1</x:v></x:c>', "column XFD"),
        # ... and calamine takes the last of two references: refused.
        (b'<c r="A2" r="XFD1048576"><v>1</v></c>', "two references"),
        (b'<c r="&#88;FD1"><v>1</v></c>', "reference"),
        # Cells without a reference follow each other: the 201st is column GS.
        (b'<c t="inlineStr"><is><t>x</t></is></c>' * 201, "column GS"),
    ],
)
def test_where_a_cell_is_cannot_be_hidden_from_the_measure(cell: bytes, expected: str) -> None:
    body = files.rows_xml([(1, ["Name"])]) + b'<row r="2">' + cell + b"</row>"
    assert expected in _refused(files.workbook(files.sheet_xml(body)))


def test_a_sheet_the_reader_finds_its_own_way_is_never_an_unmeasured_one() -> None:
    # The sheet element names two relationships: an unprefixed ``id`` to a harmless
    # sheet, ``r:id`` (which calamine follows) to the small-but-huge one. Whichever
    # one the measure takes, calamine must not get the other.
    harmless = files.sheet_xml(files.rows_xml([(1, ["Name"]), (2, ["Acme"])]))
    hostile = zipfile.ZipFile(io.BytesIO(files.small_but_huge(["Name"], ["Acme"])))
    workbook = files.WORKBOOK.replace(b'r:id="rId1"', b'id="rId2" r:id="rId1"')
    relationships = files.WORKBOOK_RELS.replace(
        b"</Relationships>",
        b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/worksheet" Target="worksheets/harmless.xml"/></Relationships>',
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in hostile.infolist():
            content = hostile.read(info)
            if info.filename == "xl/workbook.xml":
                content = workbook
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = relationships
            archive.writestr(info.filename, content)
        archive.writestr("xl/worksheets/harmless.xml", harmless)
    started = time.monotonic()
    # Had calamine been handed the huge sheet, this process would abort here.
    message = _refused(buffer.getvalue())
    assert "not a readable XLSX" in message or "column XFD" in message
    assert time.monotonic() - started < 1


def test_empty_styled_cells_far_away_do_not_count() -> None:
    body = files.rows_xml([(1, ["Name"]), (2, ["Acme"])])
    body += b'<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    sheet = read_sheet(files.workbook(files.sheet_xml(body, "A1:XFD1048576")), "x.xlsx")
    assert sheet.rows == [(2, ["Acme"])]


def test_reading_stops_at_the_time_bound() -> None:
    rows: list[list[Any]] = [["a"]] + [[1] for _ in range(3000)]
    assert "took longer than 0 seconds" in _refused(files.table(rows), max_seconds=0)
    csv = ("a\n" + "1\n" * 3000).encode()
    assert "took longer" in _refused(csv, "x.csv", max_seconds=0)


def test_files_from_excel_are_read_with_their_row_numbers() -> None:
    data = _openpyxl([["Name", "Amount"], [None, None], ["Acme", 1.5], ["Globex", 2]])
    sheet = read_sheet(data, "x.xlsx")
    assert sheet.rows == [(3, ["Acme", 1.5]), (4, ["Globex", 2.0])]


# -- hostile workbooks ---------------------------------------------------------------
def test_a_dtd_or_an_entity_is_refused_before_parsing() -> None:
    laughs = (
        b'<!DOCTYPE worksheet [<!ENTITY a "AAAAAAAAAA">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
    assert "DTD or an entity" in _refused(files.workbook(files.sheet_xml(body, prolog=laughs)))
    external = b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
    assert "DTD or an entity" in _refused(files.workbook(files.sheet_xml(body, prolog=external)))
    strings = (
        b'<?xml version="1.0"?><!doctype sst [<!entity x SYSTEM "http://evil/">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    honest = files.sheet_xml(files.rows_xml([(1, ["Name"]), (2, ["x"])]))
    message = _refused(files.workbook(honest, {"xl/sharedStrings.xml": strings}))
    assert "xl/sharedStrings.xml" in message


def test_an_xml_part_in_utf16_is_refused() -> None:
    sheet = files.sheet_xml(files.rows_xml([(1, ["Name"])])).decode().replace("UTF-8", "UTF-16")
    assert "not UTF-8" in _refused(files.workbook(codecs.BOM_UTF16_LE + sheet.encode("utf-16-le")))


def test_a_zip_bomb_stops_at_the_unpacked_bound() -> None:
    data = files.bomb(120)
    assert len(data) < 200_000
    started = time.monotonic()
    assert "more than 100 MB" in _refused(data)
    assert time.monotonic() - started < 5
    assert "more than 1 MB" in _refused(files.bomb(2), max_unpacked_bytes=1024 * 1024)


def test_a_part_longer_than_it_claims_is_refused() -> None:
    honest = files.table([["Name"], ["Acme"]])
    original = zipfile.ZipFile(io.BytesIO(honest)).getinfo(files.SHEET)
    # Claim a shorter sheet than the compressed stream holds: Python stops at the claim,
    # the CRC no longer matches, and calamine never sees the archive.
    patched = bytearray(honest)
    header = original.header_offset
    patched[header + 22 : header + 26] = (10).to_bytes(4, "little")
    for offset in _central_entries(honest):
        name_length = int.from_bytes(honest[offset + 28 : offset + 30], "little")
        if honest[offset + 46 : offset + 46 + name_length] == files.SHEET.encode():
            patched[offset + 24 : offset + 28] = (10).to_bytes(4, "little")
    assert "damaged" in _refused(bytes(patched))


def _central_entries(data: bytes) -> list[int]:
    found, start = [], 0
    while (offset := data.find(b"PK\x01\x02", start)) >= 0:
        found.append(offset)
        start = offset + 4
    return found


# -- broken or foreign files ----------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"", "x.csv", "is empty"),
        (b"  \r\n", "x.csv", "is empty"),
        (b"PK\x03\x04 not really a zip", "x.xlsx", "damaged or truncated"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "x.xlsx", "old Excel"),
        (b"Name,Amount\n", "x.csv", "no rows below the headers"),
        (b",,\nAcme,1\n", "x.csv", "first row must hold the column headers"),
        (b"Name\nAc\x00me\n", "x.csv", "NUL"),
        (b"Name\n" + b"x" * 131_073 + b"\n", "x.csv", "longer than 131072 characters"),
        (b"<html>not a workbook</html>", "x.xlsx", "not an XLSX workbook"),
    ],
)
def test_broken_files_are_refused_naming_the_problem(data: bytes, name: str, expected: str) -> None:
    assert expected in _refused(data, name)


def test_a_truncated_workbook_is_refused() -> None:
    honest = _openpyxl([["Name"], ["Acme"]])
    for cut in (len(honest) // 2, len(honest) - 30, 40):
        assert "not a readable XLSX" in _refused(honest[:cut])


def test_an_ods_or_xlsb_claimed_as_xlsx_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert ".ods" in _refused(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_rels/.rels", files.PACKAGE_RELS.replace(b".xml", b".bin"))
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert "no workbook part" in _refused(buffer.getvalue())


# -- encodings ----------------------------------------------------------------------------
CHINESE = "客户名称,行业\r\n华为,制造业\r\n"
RARE = "客户名称,地址\r\n𠀀科技有限公司,上海市浦东新区\r\n"
JAPANESE = "会社名,業種\r\n株式会社ソニー,電機\r\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (CHINESE.encode("utf-8"), CHINESE),
        (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), CHINESE),
        (CHINESE.encode("gbk"), CHINESE),
        (CHINESE.encode("gb18030"), CHINESE),
        # Characters GBK lacks: GB18030's four-byte sequences.
        (RARE.encode("gb18030"), RARE),
        (JAPANESE.encode("shift_jis"), JAPANESE),
        (JAPANESE.encode("cp932"), JAPANESE),
        # Excel's "Unicode text": UTF-16 with a byte-order mark, tab separated.
        (codecs.BOM_UTF16_LE + CHINESE.replace(",", "\t").encode("utf-16-le"), CHINESE),
    ],
)
def test_encodings_are_detected_and_decoded(data: bytes, expected: str) -> None:
    sheet = read_sheet(data, "x.csv")
    lines = [line.split(",") for line in expected.strip().split("\r\n")]
    assert sheet.header == lines[0]
    assert sheet.rows == [(2, lines[1])]


def test_an_uncertain_encoding_is_refused_and_can_be_named() -> None:
    western = "Name,City\r\nMüller,São Paulo\r\n".encode("cp1252")
    message = _refused(western, "x.csv")
    assert "save it as 'CSV UTF-8' or pass ?encoding=" in message
    sheet = read_sheet(western, "x.csv", encoding=check_encoding("cp1252"))
    assert sheet.rows == [(2, ["Müller", "São Paulo"])]
    # Naming the wrong encoding is refused, not decoded into mojibake.
    assert "not valid utf-8" in _refused_with(western, "utf-8")


def _refused_with(data: bytes, encoding: str) -> str:
    with pytest.raises(ImportInvalid) as caught:
        read_sheet(data, "x.csv", encoding=encoding)
    return caught.value.problems[0].message


def test_an_unknown_encoding_name_is_a_422_naming_encoding() -> None:
    for name in ("klingon", "base64", "zlib"):
        with pytest.raises(RecordInvalid) as caught:
            check_encoding(name)
        assert caught.value.errors[0].field == "encoding"
    assert check_encoding("GBK") == "gbk"


def test_a_bom_that_lies_is_refused() -> None:
    assert "byte-order mark" in _refused(codecs.BOM_UTF8 + "名称".encode("gbk"), "x.csv")
