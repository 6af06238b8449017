"""The return-to-pool action: the owner or their manager gives an open lead back."""

from __future__ import annotations

from typing import Any

import pytest

from engine.actions import ActionUnavailable, available_actions
from engine.forms.errors import RecordInvalid, RecordNotFound
from engine.forms.permissions import AccessDenied
from tests.engine.actions.sales_app import Sales, install_sales, sales_app


def test_the_owner_gives_a_lead_back_with_a_reason(sales: Sales) -> None:
    lead = sales.lead()
    sales.run("rep_a", lead, "claim")
    with sales.platform.store.read(sales.tenant) as conn:
        offered = available_actions(sales.context(conn, "rep_a"), "lead", lead)
    give_back = next(a for a in offered if a["key"] == "give_back")
    assert give_back["input"] == [{"entity": "lead", "field": "return_reason", "required": True}]
    assert give_back["confirm"] == {"en": "Return the lead to the pool?"}
    # The rep only reads return_reason on forms; the action asks for it.
    back = sales.run("rep_a", lead, "give_back", {"return_reason": "not_interested"})["record"]
    assert back["owner"] is None and back["return_reason"] == "not_interested"
    assert back["times_returned"] == 1 and back["assigned_at"] is None
    assert sales.offered("rep_b", lead) == ["claim"]


def test_a_reason_is_required_and_nothing_else_is_taken(sales: Sales) -> None:
    lead = sales.lead(owner=sales.ids["rep_a"])
    for params, error in [
        ({}, ("return_reason", "is required: why does it go back?")),
        ({"return_reason": "bored"}, ("return_reason", "'bored' is not an option")),
        (
            {"return_reason": "not_interested", "status": "new"},
            ("status", "is not an input of this action"),
        ),
    ]:
        with pytest.raises(RecordInvalid) as caught:
            sales.run("rep_a", lead, "give_back", params)
        assert (
            caught.value.errors[0].field,
            caught.value.errors[0].message.split(" (")[0],
        ) == error
    assert sales.read("lead", lead)["owner"] == sales.ids["rep_a"]


def test_who_may_give_a_lead_back(sales: Sales) -> None:
    lead = sales.lead(owner=sales.ids["rep_a"])
    reason = {"return_reason": "not_interested"}
    with pytest.raises(RecordNotFound):
        sales.run("rep_w", lead, "give_back", reason)  # another department's lead
    with pytest.raises(AccessDenied):
        sales.run("auditor", lead, "give_back", reason)  # reads it, may not change it
    assert sales.run("manager", lead, "give_back", reason)["record"]["owner"] is None
    with pytest.raises(ActionUnavailable, match="in the pool already"):
        sales.run("admin", lead, "give_back", reason)
    converted = sales.lead("Done", owner=sales.ids["rep_a"], status="converted")
    with pytest.raises(ActionUnavailable, match="only open records"):
        sales.run("rep_a", converted, "give_back", reason)


def test_the_pool_may_limit_who_gives_back(platform: Any, tenant: str) -> None:
    definition = sales_app()
    definition["pools"][0]["return_to_pool"]["roles"] = ["manager"]
    sales = install_sales(platform, tenant, definition)
    lead = sales.lead(owner=sales.ids["rep_a"])
    with pytest.raises(AccessDenied, match="may not return"):
        sales.run("rep_a", lead, "give_back", {"return_reason": "not_interested"})
    assert sales.offered("rep_a", lead) == ["convert"]
