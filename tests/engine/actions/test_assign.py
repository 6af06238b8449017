"""The assign action: a manager gives a lead of the pool to a rep."""

from __future__ import annotations

import pytest

from engine.actions import ActionUnavailable, available_actions
from engine.forms.errors import RecordInvalid
from engine.forms.permissions import AccessDenied
from tests.engine.actions.sales_app import NOW, Sales


def test_a_manager_assigns_a_lead_of_the_pool(sales: Sales) -> None:
    lead = sales.lead()
    with sales.platform.store.read(sales.tenant) as conn:
        offered = available_actions(sales.context(conn, "manager"), "lead", lead)
    assign = next(a for a in offered if a["key"] == "assign")
    assert assign["input"] == [{"entity": "lead", "field": "owner", "required": True}]
    result = sales.run("manager", lead, "assign", {"owner": sales.ids["rep_b"]})
    assert result["record"]["owner"] == sales.ids["rep_b"]
    assert result["record"]["assigned_at"] == NOW.isoformat()
    assert result["record"]["updated_by"] == sales.ids["manager"]
    with pytest.raises(ActionUnavailable, match="no longer in the pool"):
        sales.run("manager", lead, "assign", {"owner": sales.ids["rep_a"]})


def test_only_the_assign_roles_may_assign(sales: Sales) -> None:
    lead = sales.lead()
    with pytest.raises(AccessDenied, match="may not assign"):
        sales.run("rep_a", lead, "assign", {"owner": sales.ids["rep_b"]})
    assert "assign" not in sales.offered("rep_a", lead)
    admin = sales.run("admin", lead, "assign", {"owner": sales.ids["rep_b"]})
    assert admin["record"]["owner"] == sales.ids["rep_b"]


def test_the_new_owner_is_checked(sales: Sales) -> None:
    lead = sales.lead()
    for params, message in [
        ({}, "is required: the id of the new owner"),
        ({"owner": "rep_b"}, "is required: the id of the new owner"),
        ({"owner": 99_999}, "there is no active user 99999"),
    ]:
        with pytest.raises(RecordInvalid) as caught:
            sales.run("manager", lead, "assign", params)
        assert [(e.field, e.message) for e in caught.value.errors] == [("owner", message)]
    for i in range(2):
        sales.lead(f"Busy {i}", owner=sales.ids["rep_b"])
    with pytest.raises(ActionUnavailable) as caught_full:
        sales.run("manager", lead, "assign", {"owner": sales.ids["rep_b"]})
    assert str(caught_full.value).startswith(f"user #{sales.ids['rep_b']} owns 2 open lead records")
    assert sales.read("lead", lead)["owner"] is None
