"""The runner: what is offered to whom, the order of its checks, and what a run answers."""

from __future__ import annotations

from typing import Any

import pytest

from engine.actions import UnknownAction, available_actions
from engine.forms.errors import RecordNotFound
from engine.forms.permissions import AccessDenied
from engine.i18n import translate
from tests.engine.actions.sales_app import Sales, install_sales, sales_app


def test_what_is_offered_depends_on_the_record_and_the_user(sales: Sales) -> None:
    in_pool = sales.lead()
    owned = sales.lead("Owned", owner=sales.ids["rep_a"])
    assert sales.offered("rep_a", in_pool) == ["claim"]
    # Nobody's department owns a lead of the pool: updating it takes a pool action.
    assert sales.offered("manager", in_pool) == ["claim", "assign"]
    assert sales.offered("clerk", in_pool) == []  # sees the pool, may not claim from it
    assert sales.offered("admin", in_pool) == ["claim", "assign", "mark_invalid"]
    assert sales.offered("auditor", in_pool) == []  # reads it, may run nothing
    assert sales.offered("rep_a", owned) == ["convert", "give_back"]
    assert sales.offered("manager", owned) == ["convert", "give_back", "mark_invalid"]
    for outsider in ("rep_b", "rep_w"):  # neither theirs nor in the pool: not found
        with pytest.raises(RecordNotFound):
            sales.offered(outsider, owned)


def test_a_conversion_is_described_with_its_steps_and_prefilled_inputs(sales: Sales) -> None:
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    with sales.platform.store.read(sales.tenant) as conn:
        offered = available_actions(sales.context(conn, "rep_a"), "lead", lead)
    convert = offered[0]
    assert {k: convert[k] for k in ("key", "type", "label", "confirm", "input")} == {
        "key": "convert",
        "type": "convert",
        "label": {"zh-CN": "转化", "en": "Convert"},
        "confirm": None,
        "input": [],
    }
    assert convert["steps"][2] == {
        "key": "opportunity",
        "entity": "opportunity",
        "optional": True,
        "input": [
            {"entity": "opportunity", "field": "name", "required": False},
            {"entity": "opportunity", "field": "amount", "required": False},
        ],
        "prefill": {"name": "ACME deal"},
    }
    assert [s["key"] for s in convert["steps"]] == ["customer", "contact", "opportunity"]


def test_unknown_actions_and_records(sales: Sales) -> None:
    lead = sales.lead(owner=sales.ids["rep_a"])
    with pytest.raises(UnknownAction):
        sales.run("rep_a", lead, "teleport")
    with pytest.raises(UnknownAction):
        sales.run("rep_a", lead, "claim", entity="customer")
    with pytest.raises(RecordNotFound):
        sales.run("rep_a", 99_999, "convert")
    with pytest.raises(AccessDenied, match="no role"):
        sales.offered("rep", lead)


def test_an_unknown_action_names_the_entity_by_its_label(platform: Any, tenant: str) -> None:
    definition = sales_app()
    lead_entity = next(e for e in definition["entities"] if e["key"] == "lead")
    lead_entity["label"] = {"zh-CN": "线索", "en": "Lead"}
    sales = install_sales(platform, tenant, definition)
    lead = sales.lead(owner=sales.ids["rep_a"])
    with pytest.raises(UnknownAction) as raised:
        sales.run("rep_a", lead, "teleport")
    assert translate(raised.value.problem_detail(), "zh-CN") == "线索没有操作 'teleport'"
    assert translate(raised.value.problem_detail(), "en") == "lead has no action 'teleport'"


def test_a_when_that_cannot_be_evaluated_offers_nothing(platform: Any, tenant: str) -> None:
    definition = sales_app()
    definition["actions"][4]["when"] = "VALUE(company) > 1"
    sales = install_sales(platform, tenant, definition)
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    assert "mark_invalid" not in sales.offered("manager", lead)
    assert "mark_invalid" in sales.offered("manager", sales.lead("42", owner=sales.ids["rep_a"]))
