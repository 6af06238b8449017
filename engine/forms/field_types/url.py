"""Web addresses: absolute ``http`` and ``https`` URLs only."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message

MAX_LENGTH = 2048
# Characters a browser would encode or a pasted address should not carry.
FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`{|}]")


def check_url(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldInvalid(Message("value.url"))
    url = value.strip()
    if len(url) > MAX_LENGTH:
        raise FieldInvalid(Message("value.max_chars", max=MAX_LENGTH, got=len(url)))
    if FORBIDDEN.search(url):
        raise FieldInvalid(Message("value.url_chars"))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port raises ValueError when it is not a number
    except ValueError:
        raise FieldInvalid(Message("value.url_port")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FieldInvalid(Message("value.url"))
    if not parts.hostname:
        raise FieldInvalid(Message("value.url_host"))
    return url


class UrlType(FieldType):
    key = "url"
    label = {"zh-CN": "网址", "en": "URL"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string, an absolute http:// or https:// URL of at most 2048 characters"
    example = Example("https://www.example.com/products?id=42")
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(MAX_LENGTH)

    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_url(value)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "string",
            "format": "uri",
            "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://",
            "maxLength": MAX_LENGTH,
        }
