"""Pool definitions: their publish-time checks, and which pool records a user sees."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from builder.validate import DefinitionError, load_definition
from engine.actions import visible_pool_records
from engine.actions.pools import count_open, pool
from tests.engine.actions.sales_app import Sales, sales_app


def issues(definition: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    return {i.path: i.message for i in caught.value.issues}


def test_pool_rules_are_checked() -> None:
    definition = sales_app()
    lead_pool = definition["pools"][0]
    lead_pool["open_when"] = "LEN(company) > 3"
    lead_pool["visible_to"] = ["rep", "sales_director"]
    lead_pool["claim"]["set"] = {"owner": "=CURRENT_USER()", "assigned_at": "=TODAY() +"}
    lead_pool["return_to_pool"]["reason_field"] = "company_size"
    lead_pool["auto_return"]["since"] = ["last_followed_up_at", "company"]
    lead_pool["auto_return"]["when"] = "CONTAINS(company, 'x')"
    definition["pools"].append({"key": "lead_pool", "entity": "lead"})
    definition["pools"].append({"key": "ghosts", "entity": "ghost"})
    definition["pools"].append({"key": "contacts", "entity": "contact", "owner_field": "name"})
    found = issues(definition)
    assert found == {
        "$.pools": "duplicate pool key 'lead_pool'",
        "$.pools[0].open_when": "LEN() cannot be used in a database filter",
        "$.pools[0].visible_to[1]": "unknown role 'sales_director'",
        "$.pools[0].claim.set.assigned_at": found["$.pools[0].claim.set.assigned_at"],
        "$.pools[0].claim.set.owner": "the pool writes the owner itself",
        "$.pools[0].return_to_pool.reason_field": "unknown field 'company_size' of lead",
        "$.pools[0].auto_return.since[1]": ("lead.company is a text field: use a date or datetime"),
        "$.pools[0].auto_return.when": "CONTAINS() cannot be used in a database filter",
        "$.pools[1].entity": "lead has a pool already; one pool per entity",
        "$.pools[2].entity": "unknown entity 'ghost'",
        "$.pools[3].owner_field": (
            "a pool needs an owner that can be blank: a user field of contact ('name' is not one)"
        ),
    }
    assert "syntax" in found["$.pools[0].claim.set.assigned_at"]


def test_an_automatic_reason_needs_a_field_and_a_valid_value() -> None:
    definition = sales_app()
    definition["pools"][0]["auto_return"]["reason"] = "idle"
    assert issues(definition) == {
        "$.pools[0].auto_return.reason": (
            "'idle' is not an option (allowed: no_follow_up, not_interested)"
        )
    }
    del definition["pools"][0]["return_to_pool"]["reason_field"]
    assert issues(definition) == {
        "$.pools[0].auto_return.reason": "set return_to_pool.reason_field to keep the reason"
    }


def test_an_entity_without_a_user_owner_has_no_pool() -> None:
    definition = sales_app()
    definition["pools"].append({"key": "ups", "entity": "follow_up"})
    assert issues(definition) == {
        "$.pools[1].entity": (
            "a pool needs an owner that can be blank: a user field of follow_up "
            "('created_by' is not one)"
        )
    }


def test_pool_viewers_see_its_records_and_open_ones_count(sales: Sales) -> None:
    in_pool = sales.lead("In the pool")
    sales.lead("Closed", status="converted")
    owned = sales.lead("Owned", owner=sales.ids["rep_a"])
    sales.lead("Owned and invalid", owner=sales.ids["rep_a"], status="invalid")
    with sales.platform.store.read(sales.tenant) as conn:
        rep = sales.context(conn, "rep_a")
        table = rep.app.entities["lead"].table
        condition = visible_pool_records(rep.app, "lead", rep.user, rep.roles, rep.eval_context())
        assert condition is not None
        assert list(conn.scalars(select(table.c.id).where(condition))) == [in_pool]
        auditor = sales.context(conn, "auditor")
        assert (
            visible_pool_records(
                auditor.app, "lead", auditor.user, auditor.roles, auditor.eval_context()
            )
            is None
        )
        assert count_open(rep, pool(rep.app, "lead_pool"), sales.ids["rep_a"]) == 1
    assert sales.read("lead", owned)["owner"] == sales.ids["rep_a"]
