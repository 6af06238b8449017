"""Definition loading: every error at once, each with its JSON path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from builder.apps import definition_json
from builder.validate import DefinitionError, load_definition


def issues(definition: Any) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    return {i.path: i.message for i in caught.value.issues}


def test_example_definition_is_valid(example_definition: dict[str, Any]) -> None:
    app = load_definition(example_definition)
    assert [e.key for e in app.entities] == ["customer", "opportunity"]


def test_malformed_json() -> None:
    assert list(issues("{nope")) == ["$"]


def test_shape_errors_have_paths(example_definition: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_definition)
    broken["entities"][0]["fields"][1]["key"] = "Bad Key"
    broken["version"] = "one"
    broken["colour"] = "red"
    found = issues(broken)
    assert set(found) == {"$.entities[0].fields[1].key", "$.version", "$.colour"}


def test_cross_reference_errors(example_definition: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_definition)
    customer, opportunity = broken["entities"]
    customer["fields"].append(dict(customer["fields"][1]))  # duplicate "name"
    customer["title_field"] = "title"
    customer["indexes"].append(["open_amount"])
    opportunity["fields"][7]["visible_when"] = "stage == "
    opportunity["fields"][9]["options"] = {"max_files": 0}
    broken["views"][1]["columns"].append("ghost")
    broken["roles"][0]["permissions"]["invoice"] = {"read": "all"}
    found = issues(broken)
    assert found["$.entities[0].fields"] == "duplicate field key 'name'"
    assert found["$.entities[0].title_field"] == "unknown field 'title'"
    assert found["$.entities[0].indexes[1]"] == "'open_amount' is not a stored field"
    assert "$.entities[1].fields[7].visible_when" in found
    assert "$.entities[1].fields[9].options" in found
    assert found["$.views[1].columns[5]"] == "unknown field 'ghost'"
    assert found["$.roles[0].permissions.invoice"] == "unknown entity 'invoice'"


def test_type_specific_checks(example_definition: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_definition)
    customer, opportunity = broken["entities"]
    customer["fields"][9]["via"] = "name"
    customer["fields"][9]["where"] = "stage not in ['won'"
    opportunity["fields"][6]["lines_ref"] = True
    opportunity["fields"][8]["fields"][3]["expr"] = "qty * cost"
    opportunity["fields"].append({"key": "id", "type": "text"})
    found = issues(broken)
    assert found["$.entities[0].fields[9].via"] == "opportunity.name must be a link to customer"
    assert "$.entities[0].fields[9].where" in found
    assert "$.entities[1].fields[6].lines_ref" in found
    assert "$.entities[1].fields[8].fields[3].expr" in found
    assert found["$.entities[1].fields[10].key"] == "'id' is a system field"


def test_formula_cycles_are_refused(example_definition: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_definition)
    fields = broken["entities"][1]["fields"]
    fields.append({"key": "a", "type": "formula", "expr": "b + 1"})
    fields.append({"key": "b", "type": "formula", "expr": "a + 1"})
    assert "circle" in issues(broken)["$.entities[1].fields"]


def test_defaults_are_checked(example_definition: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_definition)
    broken["entities"][1]["fields"][2]["default"] = "closed"
    broken["entities"][0]["fields"][7]["default"] = "=NO_SUCH_FN()"
    found = issues(broken)
    assert "not an option" in found["$.entities[1].fields[2].default"]
    assert "$.entities[0].fields[7].default" in found


@pytest.mark.parametrize(
    "key",
    [
        *("definition", "permissions", "overlay", "upgrade", "package"),
        # reserved for the engines to come (issue 9)
        *("flows", "rules", "reports", "dashboards", "print", "tasks", "notifications", "openapi"),
    ],
)
def test_an_entity_may_not_shadow_a_path_of_the_apps_api(
    example_definition: dict[str, Any], key: str
) -> None:
    """``/api/apps/{app}/definition`` is the definition: such records were unreachable."""
    shadowing = copy.deepcopy(example_definition)
    shadowing["entities"].append({"key": key, "fields": [{"key": "name", "type": "text"}]})
    found = issues(shadowing)
    assert "is reserved by the API" in found["$.entities[2].key"]


def test_an_app_may_not_be_called_import(example_definition: dict[str, Any]) -> None:
    named = copy.deepcopy(example_definition)
    named["key"] = "import"
    assert "is reserved by the API" in issues(named)["$.key"]


def test_a_null_type_option_survives_storage() -> None:
    """A percent without rounding (``precision: null``) must not come back with 2 places."""
    definition = {
        "key": "shop",
        "version": "1.0.0",
        "entities": [
            {
                "key": "deal",
                "fields": [
                    {"key": "exact", "type": "percent", "precision": None},
                    {"key": "rounded", "type": "percent"},
                ],
            }
        ],
    }
    stored = definition_json(load_definition(definition))
    fields = stored["entities"][0]["fields"]
    assert fields[0]["precision"] is None and "precision" not in fields[1]
    assert "label" not in fields[0]  # the model's own unset attributes still stay out
    assert definition_json(load_definition(stored)) == stored
