"""The department field type (resolution is in the API tests)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.definition import AppDefinition, FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field, build_runtime


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="department", **options))


def test_accepts_an_id() -> None:
    field = bound()
    assert field.type.coerce(7, field) == 7
    assert field.type.parse_query("7", field) == 7


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7", "id of a department"),  # wrong type
        (True, "id of a department"),
        (7.5, "id of a department"),
        ([7], "id of a department"),
        (0, "id of a department"),  # out of range
        (-1, "id of a department"),
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_unknown_option() -> None:
    with pytest.raises(ValueError, match="tree"):
        bound(tree=True)


def test_column_is_a_foreign_key_to_departments() -> None:
    definition = AppDefinition.model_validate(
        {
            "key": "app",
            "version": "1.0.0",
            "entities": [
                {
                    "key": "ticket",
                    "fields": [
                        {"key": "dept", "type": "department"},
                        {
                            "key": "lines",
                            "type": "subtable",
                            "fields": [{"key": "owner_dept", "type": "department"}],
                        },
                    ],
                }
            ],
        }
    )
    runtime = build_runtime(definition)
    ticket = runtime.entities["ticket"]
    (fk,) = ticket.table.c.dept.foreign_keys
    assert fk.target_fullname == "departments.id"
    (sub_fk,) = ticket.child_tables["lines"].c.owner_dept.foreign_keys
    assert sub_fk.target_fullname == "departments.id"
    # Never created with the app: the tenant's own table is referenced.
    assert "departments" not in {t.name for t in runtime.all_tables()}
