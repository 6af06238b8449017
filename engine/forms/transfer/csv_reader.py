"""The rows of a CSV file: its encoding found (or asked for), its size bounded.

Text is never decoded with replacement characters: a file is read in the
encoding it was written in, or refused with a 422 that says how to fix it.

* A byte-order mark decides (UTF-8, or UTF-16 as Excel's "Unicode text").
* Else valid UTF-8 is UTF-8 (plain ASCII included).
* Else ``?encoding=`` decides when the caller gave it (``gb18030``, ``shift_jis``…).
* Else charset-normalizer guesses among the legacy encodings; the guess is
  taken only when every plausible candidate decodes the file to the same text
  (GBK and GB18030 agree on GBK text, CP932 and Shift-JIS on Japanese text).
  When they disagree — a short GBK file is also valid Shift-JIS and CP949 —
  the answer asks the user to save as UTF-8 or to name the encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from charset_normalizer import from_bytes

from engine.forms.errors import FieldError, QueryInvalid
from engine.forms.transfer.limits import Deadline, ImportLimits
from engine.forms.transfer.problems import file_problem
from engine.i18n import Message

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Candidates this far (in charset-normalizer's "chaos", 0..1) from the best one are plausible.
PLAUSIBLE = 0.05
HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")
#: A best guess messier than this is no guess.
MAX_CHAOS = 0.2


def _text_codec(name: str) -> codecs.CodecInfo | None:
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # bytes-to-bytes codecs (base64, zlib) are not text encodings.
    return info if getattr(info, "_is_text_encoding", True) else None


def check_encoding(name: str) -> str:
    """The Python codec name of ``?encoding=``; 422 naming ``encoding`` when unknown."""
    info = _text_codec(name.strip())
    if info is None:
        message = Message("import.unknown_encoding", name=repr(name[:40]))
        raise QueryInvalid([FieldError("encoding", message)])
    return info.name


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes) -> str:
    results = [r for r in from_bytes(data) if not r.encoding.startswith(("utf_16", "utf_32"))]
    if not results or results[0].chaos > MAX_CHAOS:
        raise file_problem(Message("import.save_as_utf8"))
    best = results[0].chaos
    texts = {_decode(data, r.encoding) for r in results if r.chaos <= best + PLAUSIBLE}
    plausible = {text for text in texts if text is not None}
    # GBK bytes read as Shift-JIS come out as half-width katakana, which charset-normalizer
    # does not find chaotic; a reading without them is the likelier one.
    without_kana = {text for text in plausible if not HALF_WIDTH_KANA.search(text)}
    if len(without_kana) == 1:
        return next(iter(without_kana))
    if len(plausible) != 1:
        raise file_problem(Message("import.save_as_utf8"))
    return next(iter(plausible))


def decode(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file (see the module's docstring for the order of evidence)."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            text = _decode(data, codec)
            if text is None:
                raise file_problem(Message("import.bom", codec=codec))
            return text.removeprefix("\ufeff")
    if encoding is not None:
        text = _decode(data, encoding)
        if text is None:
            raise file_problem(Message("import.not_encoding", encoding=encoding))
        return text
    text = _decode(data, "utf-8")
    return text if text is not None else _guess(data)


def csv_rows(
    text: str, limits: ImportLimits, deadline: Deadline
) -> Iterator[tuple[int, list[Any]]]:
    """(line number of the row's start, its cells) for every row, bounded by ``limits``."""
    if "\x00" in text:
        raise file_problem(Message("import.nul_file"))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    cells = 0
    number = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            if "field limit" in str(err):
                raise file_problem(
                    Message("import.long_cell", max=csv.field_size_limit(), line=reader.line_num)
                ) from None
            raise file_problem(
                Message("import.csv", line=reader.line_num, error=str(err))
            ) from None
        number += 1
        if number > limits.max_rows + 1:
            raise file_problem(Message("import.max_rows", max=limits.max_rows))
        if len(row) > limits.max_columns:
            raise file_problem(
                Message(
                    "import.max_columns_line", count=len(row), line=start, max=limits.max_columns
                )
            )
        cells += len(row)
        if cells > limits.max_cells:
            raise file_problem(Message("import.max_cells", max=limits.max_cells))
        if number % 1000 == 0:
            deadline.check()
        yield number, row


__all__ = ["check_encoding", "csv_rows", "decode"]
