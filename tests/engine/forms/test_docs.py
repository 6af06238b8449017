"""The generated field-type reference is current, and its examples are true."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from engine.definition import SYSTEM_FIELDS
from engine.forms.docs import PAGE, SYSTEM_FIELD_DOCS, example_field, field_types_markdown
from engine.forms.registry import field_types


def test_committed_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == field_types_markdown(), (
        "run `python -m engine.forms.docs`"
    )


def test_every_type_and_system_field_is_on_the_page() -> None:
    page = field_types_markdown()
    for key, field_type in field_types.items():
        label = field_type.label
        assert f"## `{key}` — {label['en']} / {label['zh-CN']}" in page
    assert set(SYSTEM_FIELD_DOCS) == set(SYSTEM_FIELDS)
    for key in SYSTEM_FIELDS:
        assert f"| `{key}` |" in page


@pytest.mark.parametrize("key", sorted(field_types))
def test_example_matches_the_type(key: str) -> None:
    field_type = field_types.get(key)
    field = example_field(field_type)
    value = field_type.example.value
    assert field_type.wire and not field_type.wire.endswith(".")
    Draft202012Validator(field_type.json_schema(field)).validate(value)
    if field_type.writable:
        field_type.coerce(value, field)


def test_radio_and_checkbox_presentations_are_documented() -> None:
    page = field_types_markdown()
    assert '`"display": "radio"`' in page and '`"display": "checkbox"`' in page
