"""The cascade field type: a path through an options tree."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from builder.validate import DefinitionError, load_definition
from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.cascade import MAX_DEPTH, prefix_condition
from engine.forms.runtime import bind_field
from engine.i18n import ZH_CN, translate
from engine.store.types import JSONType

TREE = [
    {
        "value": "hardware",
        "label": {"zh-CN": "硬件", "en": "Hardware"},
        "children": [
            {"value": "phones", "children": [{"value": "android"}, {"value": "ios"}]},
            {"value": "laptops"},
        ],
    },
    {"value": "services"},
]


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="cascade", **{"options": TREE, **options}))


@pytest.mark.parametrize(
    "value",
    [["hardware", "phones", "ios"], ["hardware", "laptops"], ["services"]],
)
def test_accepts_paths_to_a_leaf(value: list[str]) -> None:
    field = bound()
    assert field.type.coerce(value, field) == value


def test_an_inner_option_needs_require_leaf_off() -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match="last level: choose an option under Hardware"):
        field.type.coerce(["hardware"], field)
    loose = bound(require_leaf=False)
    assert loose.type.coerce(["hardware"], loose) == ["hardware"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hardware", "list of option values"),  # wrong type
        ({"hardware": "phones"}, "list of option values"),
        (["hardware", 1], "list of option values"),
        ([], "list of option values"),
        (["software"], "'software' is not an option at the top level"),  # unknown option
        (["hardware", "tablets"], "'tablets' is not an option under Hardware"),
        (["phones"], "not an option at the top level"),  # a child at the wrong level
        (["services", "x"], "'x' is not an option under services"),  # below a leaf
        (["hardware", "phones", "ios", "x"], "under Hardware / phones / ios"),
        (["hardware"] * (MAX_DEPTH + 1), f"at most {MAX_DEPTH} levels"),  # oversized
    ],
)
def test_refuses(value: Any, message: str) -> None:
    field = bound()
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_query_text_is_a_path_or_a_prefix() -> None:
    field = bound()
    assert field.type.parse_query("hardware,phones", field) == ["hardware", "phones"]
    assert field.type.parse_query('["hardware"]', field) == ["hardware"]
    with pytest.raises(FieldInvalid, match="not an option"):
        field.type.parse_query("hardware,tablets", field)
    with pytest.raises(FieldInvalid, match="JSON list"):
        field.type.parse_query("[broken", field)


def test_schema_depth_follows_the_tree() -> None:
    field = bound()
    assert field.type.json_schema(field)["maxItems"] == 3


def test_tree_limits_are_checked_when_the_definition_is_parsed() -> None:
    deep: dict[str, Any] = {"value": "leaf"}
    for level in range(MAX_DEPTH):
        deep = {"value": f"l{level}", "children": [deep]}
    with pytest.raises(ValueError, match="deeper than"):
        bound(options=[deep])
    with pytest.raises(ValueError, match="more than"):
        bound(options=[{"value": f"v{i}"} for i in range(5001)])
    with pytest.raises(ValueError, match="colour"):
        bound(options=[{"value": "a", "colour": "red"}])


def app_with(field: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "app",
        "version": "1.0.0",
        "entities": [{"key": "item", "fields": [{"key": "name", "type": "text"}, field]}],
    }


def test_duplicate_options_at_one_level_are_definition_errors() -> None:
    tree = [{"value": "a", "children": [{"value": "x"}, {"value": "x"}]}, {"value": "a"}]
    with pytest.raises(DefinitionError) as err:
        load_definition(app_with({"key": "c", "type": "cascade", "options": tree, "unique": True}))
    paths = {issue.path for issue in err.value.issues}
    assert paths == {
        "$.entities[0].fields[1].options[0].children[1].value",
        "$.entities[0].fields[1].options[1].value",
        "$.entities[0].fields[1].unique",
    }


def test_prefix_condition_matches_paths_that_start_with_it() -> None:
    # The same expression runs on PostgreSQL in tests/api/test_field_types_api.py.
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("c", JSONType))
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(
            insert(table),
            [
                {"id": 1, "c": ["hardware", "phones", "ios"]},
                {"id": 2, "c": ["hardware", "laptops"]},
                {"id": 3, "c": ["services"]},
                {"id": 4, "c": None},
            ],
        )

        def ids(path: list[str]) -> list[int]:
            query = select(table.c.id).where(prefix_condition(table.c.c, path)).order_by("id")
            return list(conn.scalars(query))

        assert ids(["hardware"]) == [1, 2]
        assert ids(["hardware", "phones"]) == [1]
        assert ids(["services"]) == [3]
        assert ids(["phones"]) == []


def test_a_path_is_told_by_its_labels_in_the_readers_language() -> None:
    field = bound()
    with pytest.raises(FieldInvalid) as caught:
        field.type.coerce(["hardware", "phones", "x"], field)
    assert translate(caught.value.message, ZH_CN) == "'x' 不是「硬件 / phones」下的选项"
