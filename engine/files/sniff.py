"""What an uploaded file really is, from its first bytes, never from the client's word.

A browser or script may claim ``image/png`` for an HTML page; the content type
stored for a file is the one sniffed here, so an image field can refuse
anything that is not a raster image and a download never carries a type the
bytes do not have. Only what can be told reliably from the leading bytes is
named; anything else is ``application/octet-stream``.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
from pathlib import Path

OCTET_STREAM = "application/octet-stream"
#: How much of a file is read to tell what it is.
HEAD_BYTES = 8192

#: Images a browser draws from pixels, without any script: the only types an
#: image field accepts (SVG is XML and can carry script).
RASTER_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
#: The sizes a BMP's DIB header may have: "BM" alone starts plenty of texts.
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_OFFICE = (
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)
#: Control characters that do not occur in text (NUL, the C0 set but for tab,
#: newline, form feed, carriage return and escape).
_BINARY = bytes(set(range(32)) - {9, 10, 12, 13, 27}) + b"\x7f"


def sniff(head: bytes, path: Path | None = None) -> str:
    """The content type of a file whose first bytes are ``head``.

    ``path`` (the whole file) lets a zip be told apart from an office
    document by its entries; without it a zip is ``application/zip``.
    """
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"BM" and len(head) >= 18:
        (dib_size,) = struct.unpack_from("<I", head, 14)
        if dib_size in _BMP_HEADER_SIZES:
            return "image/bmp"
    if head[:4] == b"PK\x03\x04":
        return _zip_kind(path)
    text = _as_text(head)
    if text is None:
        return OCTET_STREAM
    return _text_kind(text)


def sniff_file(path: Path) -> str:
    """The content type of the file at ``path`` (reads its first bytes)."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    return sniff(head, path)


def _zip_kind(path: Path | None) -> str:
    if path is None:
        return "application/zip"
    try:
        # Only the central directory is read: nothing is decompressed.
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return OCTET_STREAM
    if "[Content_Types].xml" in names:
        for prefix, content_type in _OFFICE:
            if any(name.startswith(prefix) for name in names):
                return content_type
    return "application/zip"


def _as_text(head: bytes) -> str | None:
    """``head`` decoded as UTF-8 (or UTF-16 with its byte order mark), if it is text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return head.decode("utf-16")[:HEAD_BYTES]
        except UnicodeDecodeError:
            # The head may end in the middle of a character: drop the last byte.
            try:
                return head[:-1].decode("utf-16")
            except UnicodeDecodeError:
                return None
    if any(byte in _BINARY for byte in head):
        return None
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        # Not final: the head may end in the middle of a character.
        return decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return None


def _text_kind(text: str) -> str:
    """Text that a browser would run as markup is named as such, never as plain text."""
    start = text.lstrip().lower()
    if start.startswith(("<!doctype html", "<html", "<head", "<body", "<script")):
        return "text/html"
    if "<svg" in start[:1024]:
        return "image/svg+xml"
    if start.startswith("<?xml"):
        return "application/xml"
    if any(tag in start[:1024] for tag in ("<html", "<script", "<iframe", "<body")):
        return "text/html"
    return "text/plain"
