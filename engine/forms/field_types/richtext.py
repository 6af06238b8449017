"""Formatted text (HTML from the rich-text editor), sanitised before it is stored.

Only a safe set of tags and attributes survives (``nh3``, the Rust Ammonia
sanitiser): scripts and styles disappear with their content, event-handler
attributes and ``javascript:``/``data:`` URLs are stripped, links get
``rel="noopener noreferrer"``. What is stored is what every reader may render.
"""

from __future__ import annotations

from typing import Any

import nh3
from pydantic import Field
from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.forms.field_types.text import check_text
from engine.i18n import Message

TAGS = frozenset(
    {
        *("p", "br", "hr", "div", "span", "blockquote", "pre", "code"),
        *("h1", "h2", "h3", "h4", "h5", "h6"),
        *("strong", "b", "em", "i", "u", "s", "strike", "del", "ins", "sub", "sup", "mark"),
        *("ul", "ol", "li"),
        *("table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption"),
        *("a", "img"),
    }
)
ATTRIBUTES = {
    "a": {"href", "title", "target"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


class RichtextOptions(Options):
    max_length: int = Field(
        default=100_000,
        ge=1,
        le=1_000_000,
        description="Most characters of HTML, checked before and after sanitising.",
    )


def sanitize(html: str) -> str:
    """The HTML with everything outside the allowed set removed."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )


class RichtextType(FieldType):
    key = "richtext"
    label = {"zh-CN": "富文本", "en": "Rich text"}
    numeric = False
    sortable = False
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string of HTML; read back sanitised (unsafe tags, attributes and URLs removed)"
    example = Example(
        '<p>Meeting <strong>notes</strong>: see <a href="https://example.com">the deck</a></p>'
    )
    Options = RichtextOptions
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Text()

    def coerce(self, value: Any, field: BoundField) -> Any:
        limit = field.options.max_length
        clean = sanitize(check_text(value, limit)).strip()
        if len(clean) > limit:
            raise FieldInvalid(Message("value.max_html", max=limit))
        # Nothing left (only a script, say) is an empty value, so `required` catches it.
        return clean or None

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "string",
            "contentMediaType": "text/html",
            "maxLength": field.options.max_length,
        }
