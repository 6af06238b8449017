"""Publish-time checks of ``entities[].related`` (the record page's related lists)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from tests.engine.actions.sales_app import sales_app


def with_related(entity: str, *related: dict[str, Any]) -> dict[str, Any]:
    definition = copy.deepcopy(sales_app())
    next(e for e in definition["entities"] if e["key"] == entity)["related"] = list(related)
    return definition


def issues(definition: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    return {i.path: i.message for i in caught.value.issues}


def test_a_quick_add_through_the_only_link_is_accepted() -> None:
    app = load_definition(with_related("customer", {"entity": "contact", "quick_add": True}))
    (related,) = next(e for e in app.entities if e.key == "customer").related
    assert (related.entity, related.via, related.quick_add) == ("contact", None, True)


def test_unknown_entities_and_wrong_links_are_refused() -> None:
    found = issues(
        with_related(
            "customer",
            {"entity": "nothing"},
            {"entity": "opportunity", "via": "lead"},
            {"entity": "customer"},
        )
    )
    base = "$.entities[0].related"
    assert found[f"{base}[0].entity"] == "unknown entity 'nothing'"
    assert found[f"{base}[1].via"] == "opportunity.lead is not a link to 'customer'"
    assert "name one in 'via'" in found[f"{base}[2]"]
