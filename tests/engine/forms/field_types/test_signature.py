"""The signature field type: a PNG drawn on screen, as a data URL."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.signature import MAX_CHARS, PREFIX
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="signature", **options))


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A real grey-scale PNG; ``pixels`` defaults to white."""
    raw = (
        pixels if pixels is not None else b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def data_url(data: bytes) -> str:
    return PREFIX + base64.b64encode(data).decode()


def test_accepts_a_png_data_url() -> None:
    field = bound()
    value = data_url(png(300, 120))
    assert field.type.coerce(value, field) == value
    assert field.type.to_json(value, field) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"\x89PNG", "data URL"),  # wrong type
        (["data:image/png;base64,"], "data URL"),
        ("iVBORw0KGgo=", "data URL"),  # bad format: no prefix
        ("data:image/jpeg;base64,/9j/4AAQ", "data URL"),
        ("data:image/svg+xml;base64,PHN2Zz4=", "data URL"),
        (PREFIX + "not base64!", "base64"),
        (PREFIX + "iVBORw0KGgo", "base64"),  # bad padding
        (data_url(b"GIF89a" + b"\x00" * 40), "must be a PNG"),  # not a PNG
        (data_url(b"<script>alert(1)</script>" * 3), "must be a PNG"),
        (data_url(b"\x89PNG\r\n\x1a\n"), "complete PNG"),  # header only
        (data_url(png(1, 1)[:20]), "complete PNG"),
        (data_url(png(0, 10, b"")), "at most"),  # out of range
        (data_url(png(5000, 1)), "at most 4096"),
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_refuses_more_than_200_kb() -> None:
    field = bound()
    noise = bytes(range(256)) * 700  # incompressible enough to stay large
    big = data_url(png(1, 1) + noise)
    assert len(big) > MAX_CHARS
    with pytest.raises(FieldInvalid, match="at most 200 kB"):
        field.type.coerce(big, field)


def test_not_filterable_and_no_options() -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match="cannot be filtered"):
        field.type.parse_query("x", field)
    with pytest.raises(ValueError, match="max_kb"):
        bound(max_kb=500)
