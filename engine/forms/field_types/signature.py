"""A handwritten signature drawn on screen, kept as a PNG image.

The value is a ``data:image/png;base64,…`` URL, as a canvas produces it;
it must decode to a real PNG (signature and header chunk), so no other
content can hide behind an image field.
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Any

from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message

PREFIX = "data:image/png;base64,"
MAX_CHARS = 200 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest canvas accepted, in pixels per side.
MAX_SIDE = 4096
# A 1×1 transparent PNG: the smallest real signature image.
TINY_PNG = (
    PREFIX
    + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def check_png(data: bytes) -> None:
    if not data.startswith(PNG_SIGNATURE):
        raise FieldInvalid(Message("value.png"))
    # The first chunk of every PNG is IHDR: length 13, then width and height.
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        raise FieldInvalid(Message("value.png_incomplete"))
    width, height = struct.unpack(">II", data[16:24])
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise FieldInvalid(Message("value.image_side", side=MAX_SIDE))


class SignatureType(FieldType):
    key = "signature"
    label = {"zh-CN": "手写签名", "en": "Signature"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = True
    cell = None
    wire = "a string `data:image/png;base64,…` (a PNG image) of at most 200 kB"
    example = Example(TINY_PNG)

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Text()

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, str) or not value.startswith(PREFIX):
            raise FieldInvalid(Message("value.png_data_url", prefix=PREFIX))
        if len(value) > MAX_CHARS:
            raise FieldInvalid(
                Message("value.max_kb", max=MAX_CHARS // 1024, got=len(value) // 1024)
            )
        try:
            data = base64.b64decode(value[len(PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise FieldInvalid(Message("value.base64")) from None
        check_png(data)
        return value

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid(Message("value.no_equality"))

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": "^data:image/png;base64,",
            "maxLength": MAX_CHARS,
            "contentMediaType": "image/png",
        }
