"""The set_fields action: fixed values, expressions and inputs written into the record."""

from __future__ import annotations

from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.actions import ActionUnavailable
from engine.forms.errors import RecordInvalid
from engine.forms.permissions import AccessDenied
from tests.engine.actions.sales_app import Sales, install_sales, sales_app

SCHEDULE = {
    "key": "schedule",
    "entity": "lead",
    "type": "set_fields",
    "label": {"en": "Schedule a call"},
    "input": ["next_call_on", "phone"],
    "set": {"status": "='contacting'", "last_followed_up_at": "=NOW()"},
}


def test_set_fields_checks() -> None:
    definition = sales_app()
    definition["actions"].append(
        {"key": "noop", "entity": "lead", "type": "set_fields", "label": {"en": "No-op"}}
    )
    definition["actions"].append(
        {
            "key": "bad",
            "entity": "lead",
            "type": "set_fields",
            "label": {"en": "Bad"},
            "roles": ["boss"],
            "input": ["nickname"],
            "set": {"status": "='lost'", "ghost": 1, "times_returned": "many"},
        }
    )
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    assert {i.path: i.message for i in caught.value.issues} == {
        "$.actions[5].set": "give the fields to set, or inputs for the user to fill in",
        "$.actions[6].roles[0]": "unknown role 'boss'",
        "$.actions[6].input[0]": "unknown field 'nickname' of lead",
        "$.actions[6].set.ghost": "unknown field 'ghost' of lead",
        "$.actions[6].set.times_returned": (
            "unknown field 'many' of lead to copy (a text is written as \"='many'\")"
        ),
    }


def test_a_manager_marks_a_lead_invalid_once(sales: Sales) -> None:
    lead = sales.lead(owner=sales.ids["rep_a"])
    with pytest.raises(AccessDenied, match="may not run Mark invalid"):
        sales.run("rep_a", lead, "mark_invalid")  # the action's roles
    assert sales.run("manager", lead, "mark_invalid")["record"]["status"] == "invalid"
    with pytest.raises(ActionUnavailable, match="not available"):
        sales.run("manager", lead, "mark_invalid")  # its `when`


def test_inputs_and_expressions_are_written(platform: Any, tenant: str) -> None:
    definition = sales_app()
    definition["actions"].append(SCHEDULE)
    definition["roles"][0]["permissions"]["lead"]["fields"]["phone"] = "hidden"
    sales = install_sales(platform, tenant, definition)
    lead = sales.lead(owner=sales.ids["rep_a"])
    with pytest.raises(RecordInvalid) as caught:
        sales.run("rep_a", lead, "schedule", {"phone": "13800000000"})
    assert [(e.field, e.message) for e in caught.value.errors] == [("phone", "is hidden from you")]
    result = sales.run("rep_a", lead, "schedule", {"next_call_on": "2026-03-09"})
    record = result["record"]
    assert (record["status"], record["next_call_on"]) == ("contacting", "2026-03-09")
    assert record["last_followed_up_at"] is not None
    assert "phone" not in record  # the answer is redacted like any read
    with pytest.raises(RecordInvalid) as invalid:
        sales.run("rep_a", lead, "schedule", {"next_call_on": "next week"})
    assert invalid.value.errors[0].field == "next_call_on"
