"""Definitions that used to reach the database unchecked are refused up front.

Each hostile definition must be a 422 naming where it is wrong, through
``POST /api/apps`` and through ``PUT …/definition/draft`` + publish, on SQLite
and PostgreSQL; never a 500 from the database.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData

from builder.validate import DefinitionError, load_definition
from engine.definition import (
    CHILD_ROW_COLUMNS,
    ENTITY_COLUMNS,
    MAX_DEFINITION_BYTES,
    MAX_DEFINITION_DEPTH,
    MAX_ENTITIES,
    MAX_FIELDS,
    MAX_INDEX_COLUMNS,
    MAX_LABEL_CHARS,
    MAX_OPTION_ITEMS,
    MAX_SUB_FIELDS,
    FieldDef,
)
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field, build_runtime, system_columns

NAME = {"key": "name", "type": "text"}


def app(fields: list[dict[str, Any]], key: str = "hostile", **entity: Any) -> dict[str, Any]:
    return {
        "key": key,
        "version": "1.0.0",
        "entities": [{"key": "thing", "fields": fields, **entity}],
    }


def subtable(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"key": "lines", "type": "subtable", "fields": list(fields)}


def choices(n: int) -> list[dict[str, Any]]:
    return [{"value": f"v{i}", "label": {"en": f"V{i}"}} for i in range(n)]


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


#: name → (definition, the path the 422 must name)
HOSTILE: dict[str, tuple[dict[str, Any], str]] = {
    **{
        f"system key {key}": (
            app([NAME, {"key": key, "type": "text"}]),
            "$.entities[0].fields[1].key",
        )
        for key in ENTITY_COLUMNS
    },
    **{
        f"sub-table system key {key}": (
            app([NAME, subtable({"key": "qty", "type": "number"}, {"key": key, "type": "text"})]),
            "$.entities[0].fields[1].fields[1].key",
        )
        for key in CHILD_ROW_COLUMNS
    },
    "2,000 fields": (
        app([{"key": f"f{i}", "type": "text"} for i in range(2000)]),
        "$.entities[0].fields",
    ),
    "1,700 number fields (PostgreSQL's 1,600 columns)": (
        app([{"key": f"f{i}", "type": "number"} for i in range(1700)]),
        "$.entities[0].fields",
    ),
    "a sub-table of 200 fields": (
        app([NAME, subtable(*({"key": f"s{i}", "type": "number"} for i in range(200)))]),
        "$.entities[0].fields[1].fields",
    ),
    "too many entities": (
        {
            "key": "hostile",
            "version": "1.0.0",
            "entities": [{"key": f"e{i}", "fields": [NAME]} for i in range(MAX_ENTITIES + 1)],
        },
        "$.entities",
    ),
    "10,000 options": (
        app([NAME, {"key": "stage", "type": "select", "options": choices(10_000)}]),
        "$.entities[0].fields[1].options",
    ),
    "a label of a megabyte": (
        app([{**NAME, "label": {"en": "x" * 1_000_000}}]),
        "$.entities[0].fields[0].label.en",
    ),
    "a label in 30 languages": (
        app([{**NAME, "label": {f"{a}{b}": "x" for a in "ab" for b in "abcdefghijklmno"}}]),
        "$.entities[0].fields[0].label",
    ),
    "an index of 40 columns (PostgreSQL allows 32)": (
        app(
            [{"key": f"f{i}", "type": "number"} for i in range(40)],
            indexes=[[f"f{i}" for i in range(40)]],
        ),
        "$.entities[0].indexes[0]",
    ),
    "a unicode key": (app([NAME, {"key": "名前", "type": "text"}]), "$.entities[0].fields[1].key"),
    "a key with a newline": (
        app([NAME, {"key": "abc\n", "type": "text"}]),
        "$.entities[0].fields[1].key",
    ),
    "a key of 41 characters": (
        app([NAME, {"key": "k" * 41, "type": "text"}]),
        "$.entities[0].fields[1].key",
    ),
    "an expression of 30,000 characters": (
        app(
            [
                {"key": "a", "type": "number"},
                {"key": "b", "type": "formula", "expr": "+".join(["a"] * 15_000)},
            ]
        ),
        "$.entities[0].fields[1].expr",
    ),
    "a default nested 5,000 deep": (
        app([NAME, {"key": "tags", "type": "tags", "default": nested(5000)}]),
        "$",
    ),
    "a definition of 3 MB": (
        app([{**NAME, "help": {"en": "x" * 1500}}], description={"en": "y"})
        | {"roles": [{"key": f"r{i}", "label": {"en": "z" * 150}} for i in range(20_000)]},
        "$",
    ),
}


def issues(definition: Any) -> list[str]:
    with pytest.raises(DefinitionError) as err:
        load_definition(definition)
    return [issue.path for issue in err.value.issues]


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_definitions_are_definition_errors(case: str) -> None:
    definition, path = HOSTILE[case]
    assert path in issues(definition)


def test_the_bounds_themselves_are_accepted() -> None:
    """Exactly at every bound is fine: the limits refuse only what is over them."""
    fields: list[dict[str, Any]] = [{"key": f"f{i}", "type": "number"} for i in range(MAX_FIELDS)]
    fields[0] = {"key": "stage", "type": "select", "options": choices(MAX_OPTION_ITEMS)}
    fields[1] = subtable(*({"key": f"s{i}", "type": "number"} for i in range(MAX_SUB_FIELDS)))
    fields[2] = {"key": "f2", "type": "text", "label": {"en": "x" * MAX_LABEL_CHARS}}
    index = [f"f{i}" for i in range(3, 3 + MAX_INDEX_COLUMNS)]
    definition = load_definition(app(fields, indexes=[index]))
    runtime = build_runtime(definition)
    # id + system columns + every stored field: far below PostgreSQL's 1,600.
    assert len(runtime.entities["thing"].table.columns) < 400


def test_json_text_is_bounded_before_it_is_parsed() -> None:
    assert issues("[" * 100_000) == ["$"]
    assert issues(" " * (MAX_DEFINITION_BYTES + 1)) == ["$"]
    assert issues(nested(MAX_DEFINITION_DEPTH + 1)) == ["$"]


def test_every_system_column_is_a_reserved_key() -> None:
    """One list (``engine/definition/columns.py``), checked against the columns the runtime
    really creates, in their order."""
    assert tuple(c.name for c in system_columns()) == ENTITY_COLUMNS
    entity = build_runtime(load_definition(app([subtable({"key": "qty", "type": "number"})])))
    thing = entity.entities["thing"]
    child = thing.child_tables["lines"]
    assert set(child.columns.keys()) - {"qty"} == set(CHILD_ROW_COLUMNS)
    assert isinstance(bind_field(FieldDef(key="qty", type="number")), BoundField)
    assert isinstance(thing.table.metadata, MetaData)


def test_sql_reserved_words_are_fine_as_keys(client: TestClient, auth: dict[str, str]) -> None:
    words = ["select", "order", "from", "user", "table", "group", "where", "limit", "all"]
    definition = app([{"key": w, "type": "text"} for w in words], title_field="select")
    response = client.post("/api/apps", json=definition, headers=auth)
    assert response.status_code == 201, response.text
    created = client.post("/api/apps/hostile/thing", json={w: f"{w}!" for w in words}, headers=auth)
    assert created.status_code == 201, created.text
    listed = client.get(
        "/api/apps/hostile/thing", params={"sort": "-order", "select": "select!"}, headers=auth
    )
    assert listed.status_code == 200, listed.text
    assert [item["from"] for item in listed.json()["items"]] == ["from!"]


# The API cases: a sample of the hostile definitions, each through both doors.
API_CASES = [
    "system key deleted_at",
    "system key deleted_by",
    "sub-table system key parent_id",
    "2,000 fields",
    "1,700 number fields (PostgreSQL's 1,600 columns)",
    "10,000 options",
    "an index of 40 columns (PostgreSQL allows 32)",
    "a label of a megabyte",
]


@pytest.mark.parametrize("case", API_CASES)
def test_install_answers_422_naming_the_path(
    client: TestClient, auth: dict[str, str], case: str
) -> None:
    definition, path = HOSTILE[case]
    response = client.post("/api/apps", json=definition, headers=auth)
    assert response.status_code == 422, response.text
    assert path in [e["field"] for e in response.json()["errors"]]
    assert client.get("/api/apps/hostile/definition", headers=auth).status_code == 404


@pytest.mark.parametrize("case", API_CASES)
def test_draft_answers_422_and_publish_keeps_the_app(
    client: TestClient, auth: dict[str, str], case: str
) -> None:
    sound = app([NAME])
    assert client.post("/api/apps", json=sound, headers=auth).status_code == 201
    definition, path = HOSTILE[case]
    draft = copy.deepcopy(definition)
    draft["version"] = "1.0.1"
    response = client.put("/api/apps/hostile/definition/draft", json=draft, headers=auth)
    assert response.status_code == 422, response.text
    assert path in [e["field"] for e in response.json()["errors"]]
    published = client.post("/api/apps/hostile/definition/publish", headers=auth)
    # Nothing was kept as a draft, so there is nothing to publish.
    assert published.status_code == 404, published.text
    current = client.get("/api/apps/hostile/definition", headers=auth).json()
    assert current["version"] == "1.0.0"
