"""The cells of an XLSX workbook's first sheet, read without trusting the file.

python-calamine reads the cells (it walks the real cells and ignores the
sheet's ``<dimension>``), but it builds a dense grid from A1 to the furthest
cell: one value at XFD1048576 would ask for 17 billion cells and abort the
process. So before calamine sees anything, this module:

1. opens the archive and reads every XML part (``.xml``, ``.rels``) itself,
   counting the bytes as they are decompressed (a zip bomb stops at
   ``max_unpacked_bytes``); other parts (images, printer settings, macros)
   are never decompressed;
2. refuses any part that declares a DTD or an entity (``<!DOCTYPE``,
   ``<!ENTITY``) or is not UTF-8 — calamine would not expand entities, but no
   spreadsheet needs them and the refusal is cheap;
3. scans the first sheet's start tags and measures the cells that may carry a
   value: the last row, the last column and their product, against the
   limits and the deadline (as soon as one passes, reading stops);
4. hands calamine a new archive of exactly the bytes it checked, without any
   other part that holds cells (``sheetData``), so whichever sheet calamine
   takes for the first, it can only read the one that was measured.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

import python_calamine

from engine.forms.transfer.limits import MB, Deadline, ImportLimits
from engine.forms.transfer.problems import ImportInvalid, file_problem
from engine.i18n import Message

#: An honest workbook has a few dozen parts; this many is not a spreadsheet.
MAX_PARTS = 10_000
CHUNK = MB
XML_PART = re.compile(r"\.(xml|rels)$", re.IGNORECASE)
DECLARATIONS = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
OFFICE_DOCUMENT = "/officeDocument"
#: What every part holding cells (a worksheet) contains, with or without a prefix.
SHEET_DATA = b"sheetData"


def not_xlsx(why: str) -> Message:
    """The file is no workbook this reader can read; ``why`` is a technical detail."""
    return Message("import.not_xlsx", why=why)


def column_letter(index: int) -> str:
    """``1`` → ``A``, ``27`` → ``AA``."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


# -- the archive -------------------------------------------------------------
def _open(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise file_problem(not_xlsx("the archive is damaged or truncated")) from None
    names = [info.filename for info in infos]
    if len(names) > MAX_PARTS:
        raise file_problem(not_xlsx(f"it holds {len(names)} parts"))
    if len(set(names)) != len(names):
        raise file_problem(not_xlsx("a part is stored twice"))
    if "mimetype" in names and "content.xml" in names:
        raise file_problem(Message("import.ods"))
    return archive


def _read_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limit: int, deadline: Deadline
) -> bytes:
    """The part's bytes, decompressed chunk by chunk; at most ``budget`` of them."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > budget:
                    raise file_problem(Message("import.xml_bomb", max=f"{limit / MB:g}"))
                chunks.append(chunk)
                deadline.check()
    except ImportInvalid:
        raise
    except RuntimeError:  # zipfile's word for "encrypted"
        raise file_problem(Message("import.password")) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError):
        raise file_problem(not_xlsx(f"part {info.filename} is damaged")) from None
    return b"".join(chunks)


def _check_xml(name: str, content: bytes) -> None:
    head = content[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise file_problem(not_xlsx(f"part {name} is not UTF-8"))
    if DECLARATIONS.search(content):
        raise file_problem(Message("import.dtd", part=name))


def _xml_parts(
    archive: zipfile.ZipFile, limits: ImportLimits, deadline: Deadline
) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    left = limits.max_unpacked_bytes
    for info in archive.infolist():
        if info.is_dir() or not XML_PART.search(info.filename):
            continue
        content = _read_part(archive, info, left, limits.max_unpacked_bytes, deadline)
        left -= len(content)
        _check_xml(info.filename, content)
        parts[info.filename] = content
    return parts


# -- which part is the first sheet --------------------------------------------
def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _relationships(parts: Mapping[str, bytes], source: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part name) of ``source`` (``""`` for the package)."""
    folder, file = posixpath.split(source)
    content = parts.get(posixpath.join(folder, "_rels", f"{file}.rels"))
    if content is None:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for element in ElementTree.fromstring(content).iter():
        if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        target = element.get("Target", "")
        if target.startswith("/"):
            name = target.lstrip("/")
        else:
            name = posixpath.normpath(posixpath.join(folder, target))
        found[element.get("Id", "")] = (element.get("Type", ""), name)
    return found


def _sheets(parts: Mapping[str, bytes]) -> list[str]:
    """The part names of the workbook's sheets, in the workbook's order."""
    try:
        workbook = next(
            (
                name
                for kind, name in _relationships(parts, "").values()
                if kind.endswith(OFFICE_DOCUMENT)
            ),
            None,
        )
        if workbook is None or workbook not in parts:
            raise file_problem(not_xlsx("it has no workbook part; is it an .xlsb?"))
        relations = _relationships(parts, workbook)
        sheets = []
        for element in ElementTree.fromstring(parts[workbook]).iter():
            if _local(element.tag) != "sheet":
                continue
            rel = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            if rel in relations:
                sheets.append(relations[rel][1])
    except ElementTree.ParseError:
        raise file_problem(not_xlsx("its workbook part is not well-formed XML")) from None
    if not sheets or sheets[0] not in parts:
        raise file_problem(not_xlsx("it has no worksheet"))
    return sheets


# -- measuring the first sheet ---------------------------------------------------
#: A ``<row …>`` or ``<c …>`` start tag (any namespace prefix). When ``r`` is its first
#: attribute (as Excel, WPS, LibreOffice and openpyxl write it) groups 2 and 3 hold the
#: reference; the other attributes are group 4, whose quoted values may hold ``>``.
#: The scan sees every such tag an XML parser would see, and more (tags in comments
#: or CDATA): it can only over-count.
SHEET_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])"
    rb"""(?:\s+r\s*=\s*["']\$?([A-Za-z]{0,3})\$?([0-9]{1,7})["'])?"""
    rb"""((?:[^>"']|"[^"]*"|'[^']*')*)>"""
)
REF_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
#: Tags between two looks at the clock.
TAGS_PER_CHECK = 100_000


def _other_ref(attributes: bytes) -> tuple[bytes, bytes] | None:
    """(letters, digits) of an ``r`` attribute that is not the first; None without one."""
    found = REF_ATTRIBUTE.search(attributes)
    if found is None:
        return None
    ref = (found.group(1) or found.group(2) or b"").decode("ascii", "replace")
    match = CELL_REF.match(ref) or re.match(r"^()([0-9]{1,7})$", ref)  # a row's r is digits
    if match is None:
        raise file_problem(not_xlsx(f"a cell or row has the reference {ref[:20]!r}"))
    return match.group(1).encode(), match.group(2).encode()


def _measure(content: bytes, limits: ImportLimits, deadline: Deadline) -> tuple[int, int]:
    """The last row and column holding a value; refused as soon as a limit is passed.

    A regular-expression scan of the start tags, not an XML parser: several times
    faster than expat with Python callbacks, and the part has no DTD (checked
    before), so no entity can hide a tag from it. A ``<c …/>`` has no value and
    calamine skips it (a styled blank), so it does not count.
    """
    max_rows, max_columns, max_cells = limits.max_rows + 1, limits.max_columns, limits.max_cells
    columns: dict[bytes, int] = {}
    row = column = last_row = last_column = 0
    for number, match in enumerate(SHEET_TAG.finditer(content)):
        if number % TAGS_PER_CHECK == 0:
            deadline.check()
        name, letters, digits, attributes = match.groups()
        if digits is None:
            found = _other_ref(attributes)
            if found is not None:
                letters, digits = found
        elif b"r" in attributes and REF_ATTRIBUTE.search(attributes):
            raise file_problem(not_xlsx("a cell or row has two references"))
        if name == b"row":
            row = int(digits) if digits else row + 1
            column = 0
            continue
        if digits is None:
            column += 1
        elif not letters:
            raise file_problem(not_xlsx(f"a cell has the reference {digits[:20]!r}"))
        else:
            index = columns.get(letters)
            if index is None:
                index = columns[letters] = _column_index(letters.decode())
            column, row = index, int(digits)
        if attributes.rstrip().endswith(b"/"):
            continue
        if column > last_column:
            last_column = column
            if last_column > max_columns:
                raise file_problem(
                    Message(
                        "import.max_columns", column=column_letter(last_column), max=max_columns
                    )
                )
        if row > last_row:
            last_row = row
            if last_row > max_rows:
                raise file_problem(Message("import.max_rows_at", row=last_row, max=limits.max_rows))
        if last_row * last_column > max_cells:
            raise file_problem(
                Message("import.max_span", rows=last_row, columns=last_column, max=max_cells)
            )
    return last_row, last_column


# -- reading -------------------------------------------------------------------
def _repack(parts: Mapping[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def _calamine_grid(buffer: io.BytesIO) -> list[list[Any]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(buffer)
        try:
            grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        finally:
            workbook.close()
    except python_calamine.PasswordError:
        raise file_problem(Message("import.password")) from None
    except python_calamine.CalamineError as err:
        raise file_problem(not_xlsx(f"{type(err).__name__}: {str(err)[:200]}")) from None
    except BaseException as err:
        # A Rust panic reaches Python as pyo3's PanicException, a BaseException.
        if type(err).__name__ != "PanicException":
            raise
        raise file_problem(not_xlsx("the reader gave up on it")) from None
    return [list(row) for row in grid]


def xlsx_grid(data: bytes, limits: ImportLimits, deadline: Deadline) -> list[list[Any]]:
    """The first sheet as rows of cells from A1 (``""`` for an empty cell).

    Raises ``ImportInvalid`` (field ``file``) for a damaged, encrypted, hostile
    or over-large workbook, naming which limit it passed.
    """
    with _open(data) as archive:
        parts = _xml_parts(archive, limits, deadline)
    sheets = _sheets(parts)
    _measure(parts[sheets[0]], limits, deadline)
    # Every other part holding cells is left out, whatever the relationships say:
    # calamine finds its sheets its own way, and must find none but the measured one.
    first = sheets[0]
    checked = _repack({k: v for k, v in parts.items() if k == first or SHEET_DATA not in v})
    del parts  # calamine holds its own copy: do not keep a third one alive meanwhile
    grid = _calamine_grid(checked)
    deadline.check()
    return grid


__all__ = ["column_letter", "xlsx_grid"]
