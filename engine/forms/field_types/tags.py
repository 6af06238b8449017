"""Free-form labels typed by users ("key account", "trade fair 2026").

Unlike a multiselect, tags are not listed in the definition: any short text
is a tag. Stored as a JSON list in the order given, without repeats (case
and surrounding spaces ignored when comparing).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.i18n import Message
from engine.store.types import JSONType


class TagsOptions(Options):
    max_count: int = Field(default=20, ge=1, le=100, description="Most tags in one value.")
    max_length: int = Field(default=32, ge=1, le=100, description="Most characters in one tag.")


def check_tag(item: Any, max_length: int) -> str:
    if not isinstance(item, str):
        raise FieldInvalid(Message("value.tags"))
    tag = item.strip()
    if not tag:
        raise FieldInvalid(Message("value.empty_tag"))
    if len(tag) > max_length:
        raise FieldInvalid(Message("value.tag_length", max=max_length, tag=repr(tag[:20])))
    if "," in tag or any(ord(c) < 32 for c in tag):
        raise FieldInvalid(Message("value.tag_chars", tag=repr(tag)))
    return tag


class TagsType(FieldType):
    key = "tags"
    label = {"zh-CN": "标签", "en": "Tags"}
    numeric = False
    sortable = False
    filter_kind = "tags"
    in_subtable = True
    cell = "tags"
    wire = "a list of strings, each tag trimmed; no repeats (ignoring case)"
    example = Example(["key account", "trade fair 2026"])
    Options = TagsOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        options: TagsOptions = field.options
        if not isinstance(value, list):
            raise FieldInvalid(Message("value.tags"))
        if len(value) > options.max_count:
            raise FieldInvalid(Message("value.max_tags", max=options.max_count))
        tags = [check_tag(item, options.max_length) for item in value]
        folded = [t.casefold() for t in tags]
        repeated = next((t for t, f in zip(tags, folded, strict=True) if folded.count(f) > 1), None)
        if repeated is not None:
            raise FieldInvalid(Message("value.tag_repeated", tag=repr(repeated)))
        return tags

    def parse_query(self, text: str, field: BoundField) -> Any:
        """The exact list, comma-separated: ``vip,north``."""
        return self.coerce(text.split(","), field)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": field.options.max_length},
            "maxItems": field.options.max_count,
        }

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        if field.defn.unique:
            yield ".unique", "a tags field cannot be unique"
