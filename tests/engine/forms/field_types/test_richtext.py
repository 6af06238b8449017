"""The richtext field type: HTML sanitised with nh3 before it is stored."""

from __future__ import annotations

from typing import Any

import pytest

from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="richtext", **options))


def clean(html: str, **options: Any) -> Any:
    field = bound(**options)
    return field.type.coerce(html, field)


def test_keeps_the_safe_set() -> None:
    html = (
        "<h2>Plan</h2><p><strong>bold</strong> <em>it</em> <u>u</u> <s>s</s></p>"
        '<ul><li>one</li></ul><ol start="3"><li>three</li></ol>'
        "<blockquote>q</blockquote><pre><code>x = 1</code></pre>"
        '<table><tr><td colspan="2">cell</td></tr></table>'
        '<img src="/api/files/abc" alt="photo" width="80">'
    )
    assert clean(html) == html.replace("<table><tr>", "<table><tbody><tr>").replace(
        "</tr></table>", "</tr></tbody></table>"
    )


def test_links_keep_http_and_get_rel() -> None:
    assert clean('<a href="https://example.com" target="_blank">x</a>') == (
        '<a href="https://example.com" target="_blank" rel="noopener noreferrer">x</a>'
    )
    assert clean('<a href="mailto:a@b.cn">m</a>') == (
        '<a href="mailto:a@b.cn" rel="noopener noreferrer">m</a>'
    )


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
        ("<style>p{color:red}</style><p>x</p>", "<p>x</p>"),
        ('<p onclick="steal()" onmouseover="x">x</p>', "<p>x</p>"),
        ('<img src="x" onerror="alert(1)">', '<img src="x">'),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>"),
        ('<iframe src="https://evil.example"></iframe>t', "t"),
        ('<p style="background:url(javascript:x)">x</p>', "<p>x</p>"),
        ("<form><input name=x></form>y", "y"),
        ("<!-- comment --><p>x</p>", "<p>x</p>"),
    ],
)
def test_strips_what_is_unsafe(html: str, expected: str) -> None:
    assert clean(html) == expected


def test_nothing_left_is_blank() -> None:
    assert clean("<script>alert(1)</script>") is None
    assert clean("   ") is None


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        (42, {}, "must be text"),
        (["<p>"], {}, "must be text"),
        ("<p>" + "x" * 20 + "</p>", {"max_length": 10}, "at most 10"),
        ("a\x00b", {}, "NUL"),
    ],
)
def test_refuses(value: Any, options: dict[str, Any], message: str) -> None:
    field = bound(**options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_length_is_checked_after_sanitising_too() -> None:
    # 33 characters in, 61 out: the rel attribute is added by the sanitiser.
    html = '<a href="https://a.cn">x</a>'
    field = bound(max_length=len(html) + 5)
    with pytest.raises(FieldInvalid, match="characters of HTML"):
        field.type.coerce(html, field)


def test_option_limits() -> None:
    with pytest.raises(ValueError, match="max_length"):
        bound(max_length=0)
    with pytest.raises(ValueError, match="allowed_tags"):
        bound(allowed_tags=["script"])
