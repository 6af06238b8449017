"""The tags field type: free-form short labels."""

from __future__ import annotations

from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="tags", **options))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (["vip", "北区"], ["vip", "北区"]),
        ([" trade fair 2026 ", "key account"], ["trade fair 2026", "key account"]),
        (["b", "a"], ["b", "a"]),  # order kept
    ],
)
def test_accepts(value: list[str], stored: list[str]) -> None:
    field = bound()
    assert field.type.coerce(value, field) == stored


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ("vip", {}, "list of tags"),  # wrong type
        ([1], {}, "list of tags"),
        ([["vip"]], {}, "list of tags"),
        (["vip", "  "], {}, "empty tag"),  # bad format
        (["a,b"], {}, "commas"),
        (["line\nbreak"], {}, "control characters"),
        (["vip", "VIP "], {}, "repeat a tag"),  # repeats, ignoring case
        (["x" * 33], {}, "at most 32 characters"),  # oversized
        (["abcd"], {"max_length": 3}, "at most 3 characters"),
        (["a", "b", "c"], {"max_count": 2}, "at most 2 tags"),
        ([str(i) for i in range(21)], {}, "at most 20 tags"),
    ],
)
def test_refuses(value: Any, options: dict[str, Any], message: str) -> None:
    field = bound(**options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_query_text_and_options() -> None:
    field = bound()
    assert field.type.parse_query("vip,north", field) == ["vip", "north"]
    with pytest.raises(ValueError, match="max_count"):
        bound(max_count=0)
    with pytest.raises(ValueError, match="options"):
        bound(options=[{"value": "vip"}])


def test_cannot_be_unique() -> None:
    definition = {
        "key": "app",
        "version": "1.0.0",
        "entities": [{"key": "lead", "fields": [{"key": "tags", "type": "tags", "unique": True}]}],
    }
    with pytest.raises(DefinitionError, match="cannot be unique"):
        load_definition(definition)
