"""The claim action: checks, the pool's rules, capacity and reclaiming, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.actions import ActionUnavailable
from engine.forms.permissions import AccessDenied
from tests.engine.actions.sales_app import NOW, Sales, sales_app


def action(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next(a for a in definition["actions"] if a["key"] == key)


def test_a_claim_names_a_pool_of_its_entity() -> None:
    definition = sales_app()
    action(definition, "claim")["pool"] = "sea"
    definition["pools"].append({"key": "customer_pool", "entity": "customer"})
    action(definition, "assign")["pool"] = "customer_pool"
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    assert {i.path: i.message for i in caught.value.issues} == {
        "$.actions[1].pool": "unknown pool 'sea'",
        "$.actions[2].pool": "pool 'customer_pool' holds customer records, not lead",
    }


def test_a_rep_claims_a_lead_of_the_pool(sales: Sales) -> None:
    lead = sales.lead()
    claimed = sales.run("rep_a", lead, "claim", now=NOW)["record"]
    assert claimed["owner"] == sales.ids["rep_a"]
    assert claimed["assigned_at"] == NOW.isoformat()
    assert claimed["updated_by"] == sales.ids["rep_a"]
    assert sales.offered("rep_a", lead) == ["convert", "give_back"]


def test_a_claimed_lead_is_no_longer_in_the_pool(sales: Sales) -> None:
    lead = sales.lead()
    sales.run("rep_a", lead, "claim")
    # rep_b sees the pool: the lead is found, and its state refuses the claim,
    # saying no more about a lead outside rep_b's read scope than about a
    # missing id (who has it, whether it is open).
    with pytest.raises(ActionUnavailable, match=r"not in the pool \(any more\)"):
        sales.run("rep_b", lead, "claim")
    converted = sales.lead("Done", status="converted")
    with pytest.raises(ActionUnavailable, match=r"not in the pool \(any more\)"):
        sales.run("rep_b", converted, "claim")
    with pytest.raises(ActionUnavailable, match=r"not in the pool \(any more\)"):
        sales.run("rep_b", converted + 1000, "claim")
    assert sales.read("lead", lead)["owner"] == sales.ids["rep_a"]


def test_who_may_claim(sales: Sales) -> None:
    lead = sales.lead()
    with pytest.raises(AccessDenied, match="may not claim"):
        sales.run("clerk", lead, "claim")  # sees the pool, may not claim from it
    with pytest.raises(AccessDenied, match="may not claim"):
        sales.run("auditor", lead, "claim")  # reads every lead, sees no pool
    with pytest.raises(AccessDenied, match="no role"):
        sales.run("rep", lead, "claim")  # no role in the app at all
    assert sales.run("manager", lead, "claim")["record"]["owner"] == sales.ids["manager"]


def test_nobody_owns_more_open_leads_than_the_pool_allows(sales: Sales) -> None:
    first, second, third = (sales.lead(f"Lead {i}") for i in range(3))
    sales.lead("Dead", owner=sales.ids["rep_a"], status="invalid")  # not open: not counted
    sales.run("rep_a", first, "claim")
    sales.run("rep_a", second, "claim")
    with pytest.raises(ActionUnavailable) as caught:
        sales.run("rep_a", third, "claim")
    assert str(caught.value) == (
        "you own 2 open lead records already; the pool Lead pool allows 2 per person"
    )
    sales.run("manager", second, "mark_invalid")  # no longer open: a place is free
    assert sales.run("rep_a", third, "claim")["record"]["owner"] == sales.ids["rep_a"]


def test_a_lead_given_back_cannot_be_claimed_again_too_soon(sales: Sales) -> None:
    lead = sales.lead()
    sales.run("rep_a", lead, "claim", now=NOW)
    sales.run("rep_a", lead, "give_back", {"return_reason": "not_interested"}, now=NOW)
    with pytest.raises(ActionUnavailable) as caught:
        sales.run("rep_a", lead, "claim", now=NOW + timedelta(days=2))
    assert str(caught.value) == (
        "this lead left you on 2026-03-02; you may claim it again from 2026-03-05 17:00"
    )
    later = sales.run("rep_a", lead, "claim", now=NOW + timedelta(days=3, hours=1))
    assert later["record"]["owner"] == sales.ids["rep_a"]


def test_someone_else_may_claim_a_lead_given_back_at_once(sales: Sales) -> None:
    lead = sales.lead()
    sales.run("rep_a", lead, "claim")
    sales.run("rep_a", lead, "give_back", {"return_reason": "not_interested"})
    assert sales.run("rep_b", lead, "claim")["record"]["owner"] == sales.ids["rep_b"]
