"""The url field type: absolute http(s) addresses only."""

from __future__ import annotations

from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.url import MAX_LENGTH
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="url", **options))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://example.com", "https://example.com"),
        ("http://example.com:8080/a/b?q=1#top", "http://example.com:8080/a/b?q=1#top"),
        ("  HTTPS://Example.COM/Path  ", "HTTPS://Example.COM/Path"),
        ("https://[2001:db8::1]/", "https://[2001:db8::1]/"),
        ("https://例子.中国/产品", "https://例子.中国/产品"),
        ("https://example.com/" + "a" * (MAX_LENGTH - 20), "https://example.com/" + "a" * 2028),
    ],
)
def test_accepts(value: str, stored: str) -> None:
    field = bound()
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (42, "http:// or https://"),  # wrong type
        (None, "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),  # bad scheme
        ("data:text/html,<b>x</b>", "spaces|http"),
        ("ftp://example.com/file", "http:// or https://"),
        ("example.com", "http:// or https://"),
        ("//example.com", "http:// or https://"),
        ("http://", "name a host"),  # bad format
        ("https:///path", "name a host"),
        ("https://exa mple.com", "spaces"),
        ("https://example.com/\x01", "control"),
        ('https://example.com/"><script>', "spaces"),
        ("https://example.com:99999/", "port"),  # out of range
        ("https://example.com:port/", "port"),
        ("https://example.com/" + "a" * MAX_LENGTH, "at most 2048"),  # oversized
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_unknown_option() -> None:
    with pytest.raises(ValueError, match="schemes"):
        bound(schemes=["ftp"])
