"""The users field type: several user ids (resolution is in the API tests)."""

from __future__ import annotations

from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="users", **options))


def test_accepts_ids_in_the_order_given() -> None:
    field = bound()
    assert field.type.coerce([3, 1, 2], field) == [3, 1, 2]
    assert isinstance(field.type, References)


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        (3, {}, "list of user ids"),  # wrong type
        ("1,2", {}, "list of user ids"),
        ([1, "2"], {}, "id of a user"),
        ([1, True], {}, "id of a user"),
        ([1, 2.0], {}, "id of a user"),
        ([0], {}, "id of a user"),  # out of range
        ([-4], {}, "id of a user"),
        ([1, 1], {}, "twice"),
        ([1, 2, 3], {"max_users": 2}, "at most 2 users"),  # oversized
    ],
)
def test_refuses(value: Any, options: dict[str, Any], message: str) -> None:
    field = bound(**options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_query_text() -> None:
    field = bound()
    assert field.type.parse_query("3,5", field) == [3, 5]
    with pytest.raises(FieldInvalid):
        field.type.parse_query("3,x", field)


def test_options() -> None:
    with pytest.raises(ValueError, match="max_users"):
        bound(max_users=0)
    with pytest.raises(ValueError, match="department"):
        bound(department=1)


def test_cannot_be_unique() -> None:
    definition = {
        "key": "app",
        "version": "1.0.0",
        "entities": [
            {"key": "visit", "fields": [{"key": "team", "type": "users", "unique": True}]}
        ],
    }
    with pytest.raises(DefinitionError, match="cannot be unique"):
        load_definition(definition)
