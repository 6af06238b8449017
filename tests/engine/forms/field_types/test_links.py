"""The links field type: many-to-many through a junction table."""

from __future__ import annotations

from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.definition import AppDefinition, FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field, build_runtime


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="links", **{"target": "product", **options}))


def definition(*fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "shop",
        "version": "1.0.0",
        "entities": [
            {"key": "product", "fields": [{"key": "name", "type": "text"}]},
            {"key": "deal", "fields": [{"key": "title", "type": "text"}, *fields]},
        ],
    }


def test_value_becomes_rows_and_back() -> None:
    field = bound()
    assert field.type.coerce([3, 1], field) == [3, 1]
    rows = [{"target_id": 3}, {"target_id": 1}]
    assert field.type.to_json(rows, field) == [3, 1]
    assert field.type.to_json(None, field) == []


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        (3, {}, "list of record ids"),  # wrong type
        ({"id": 3}, {}, "list of record ids"),
        (["3"], {}, "id of a record"),
        ([True], {}, "id of a record"),
        ([0], {}, "id of a record"),  # out of range
        ([2, 2], {}, "twice"),
        ([1, 2, 3], {"max_links": 2}, "at most 2 records"),  # oversized
    ],
)
def test_refuses(value: Any, options: dict[str, Any], message: str) -> None:
    field = bound(**options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_not_filterable_by_equality() -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match="cannot be filtered"):
        field.type.parse_query("1", field)


def test_junction_table() -> None:
    runtime = build_runtime(
        AppDefinition.model_validate(
            definition({"key": "products", "type": "links", "target": "product"})
        )
    )
    deal = runtime.entities["deal"]
    assert "products" not in deal.table.c
    table = deal.child_tables["products"]
    assert table.name == "a_shop__deal__products"
    assert [c.name for c in table.primary_key] == ["parent_id", "target_id"]
    assert set(table.c.keys()) == {"parent_id", "target_id", "position"}
    (parent,) = table.c.parent_id.foreign_keys
    (target,) = table.c.target_id.foreign_keys
    assert (parent.target_fullname, parent.ondelete) == ("a_shop__deal.id", "CASCADE")
    assert (target.target_fullname, target.ondelete) == ("a_shop__product.id", "CASCADE")


@pytest.mark.parametrize(
    ("field", "path", "message"),
    [
        ({"target": "nothing"}, ".target", "unknown entity"),
        ({"target": "product", "default": [1]}, ".default", "no default"),
        ({"target": "product", "unique": True}, ".unique", "no column"),
        ({"target": "product", "index": True}, ".index", "no column"),
    ],
)
def test_definition_errors(field: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(DefinitionError) as err:
        load_definition(definition({"key": "products", "type": "links", **field}))
    assert any(
        i.path == f"$.entities[1].fields[1]{path}" and message in i.message
        for i in err.value.issues
    ), err.value.issues


def test_not_inside_a_subtable() -> None:
    sub = {
        "key": "lines",
        "type": "subtable",
        "fields": [{"key": "products", "type": "links", "target": "product"}],
    }
    with pytest.raises(DefinitionError, match="cannot be inside a sub-table"):
        load_definition(definition(sub))
