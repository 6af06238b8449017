"""Content types come from a file's first bytes; a client's claim never counts."""

from __future__ import annotations

import base64
import io
import struct
import zipfile
from pathlib import Path

import pytest

from engine.files.sniff import OCTET_STREAM, RASTER_IMAGES, sniff, sniff_file

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
BMP = b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + struct.pack("<I", 40) + b"\x00" * 36


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG_1X1, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"GIF87a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (BMP, "image/bmp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"hello, world\n", "text/plain"),
        ("中文，日本語\n".encode(), "text/plain"),
        ("\ufeffwith a BOM".encode(), "text/plain"),
        ("UTF-16 text".encode("utf-16"), "text/plain"),
        (b"<!DOCTYPE html><p>x", "text/html"),
        (b"  <html><body>", "text/html"),
        (b"Dear all,\n<script>alert(1)</script>", "text/html"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"<svg onload=alert(1)>", "image/svg+xml"),
        (b'<?xml version="1.0"?><note/>', "application/xml"),
        (b"BMW sells cars", "text/plain"),  # "BM" alone is not a bitmap
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", OCTET_STREAM),
        (b"\x00\x01\x02garbage", OCTET_STREAM),
        ("Shift-JIS テキスト".encode("shift_jis"), OCTET_STREAM),
        (b"", "text/plain"),
    ],
)
def test_sniffs_the_leading_bytes(head: bytes, expected: str) -> None:
    assert sniff(head) == expected


def test_a_utf8_character_cut_at_the_end_of_the_head_is_still_text() -> None:
    head = ("é" * 5000).encode()[:8191]
    assert sniff(head) == "text/plain"


def _zip(tmp_path: Path, name: str, entries: list[str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in entries:
            archive.writestr(entry, "x")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def test_zip_files_are_told_apart_by_their_entries(tmp_path: Path) -> None:
    word = _zip(tmp_path, "a", ["[Content_Types].xml", "word/document.xml"])
    sheet = _zip(tmp_path, "b", ["[Content_Types].xml", "xl/workbook.xml"])
    plain = _zip(tmp_path, "c", ["readme.txt"])
    assert sniff_file(word).endswith("wordprocessingml.document")
    assert sniff_file(sheet).endswith("spreadsheetml.sheet")
    assert sniff_file(plain) == "application/zip"
    broken = tmp_path / "d"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert sniff_file(broken) == OCTET_STREAM


def test_only_pixels_are_raster_images() -> None:
    assert "image/svg+xml" not in RASTER_IMAGES
    assert {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"} == RASTER_IMAGES
