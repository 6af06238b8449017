"""The convert action: its publish-time checks and conversions on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from builder.validate import DefinitionError, load_definition
from engine.actions import ActionUnavailable
from engine.forms.errors import RecordInvalid, RecordNotFound
from engine.forms.permissions import AccessDenied
from engine.store.tables import audit_log
from tests.engine.actions.sales_app import Sales, install_sales, sales_app


def issues(definition: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    return {i.path: i.message for i in caught.value.issues}


def convert_of(definition: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = definition["actions"][0]
    assert action["type"] == "convert"
    return action


# -- publish-time checks ----------------------------------------------------------------------
def test_mapping_errors_are_reported_with_their_paths() -> None:
    definition = sales_app()
    customer, contact, opportunity = convert_of(definition)["steps"]
    customer["map"]["ghost"] = "company"  # no such target field
    customer["map"]["status"] = "='gone'"  # an expression: checked when it runs
    customer["map"]["industry"] = "status"  # select into select, options differ
    contact["map"]["mobile"] = "times_returned"  # number into phone
    contact["map"]["customer"] = "$opportunity"  # a later step
    contact["map"]["email"] = 42  # a literal the field refuses
    opportunity["map"]["contact"] = "$customer"  # a customer into a link to contacts
    opportunity["map"]["stage"] = "=stage"  # the lead has no stage
    found = issues(definition)
    base = "$.actions[0].steps"
    assert found[f"{base}[0].map.ghost"] == "unknown field 'ghost' of customer"
    assert found[f"{base}[0].map.industry"] == (
        "options ['contacting', 'converted', 'invalid', 'new'] of lead.status (select) "
        "are not options of industry"
    )
    assert (
        found[f"{base}[1].map.mobile"] == "lead.times_returned (number) does not fit mobile (phone)"
    )
    assert (
        found[f"{base}[1].map.customer"]
        == "unknown reference $opportunity (here: $record, $customer)"
    )
    assert found[f"{base}[1].map.email"] == "must be an email address like name@example.com"
    assert found[f"{base}[2].map.contact"] == "$customer is a customer: write it into a link to it"
    assert found[f"{base}[2].map.stage"].startswith("unknown field 'stage'")
    assert f"{base}[0].map.status" not in found


def test_a_copied_text_is_a_field_key_and_a_literal_text_an_expression() -> None:
    definition = sales_app()
    convert_of(definition)["steps"][0]["map"]["status"] = "potential"
    assert issues(definition) == {
        "$.actions[0].steps[0].map.status": (
            "unknown field 'potential' of lead to copy (a text is written as \"='potential'\")"
        )
    }


def test_required_fields_nothing_fills_and_computed_targets() -> None:
    definition = sales_app()
    steps = convert_of(definition)["steps"]
    del steps[1]["map"]["name"]
    definition["entities"][0]["fields"].append(
        {"key": "label", "type": "formula", "expr": "name", "result_type": "text"}
    )
    steps[0]["map"]["label"] = "company"
    found = issues(definition)
    assert found["$.actions[0].steps[1].map"] == (
        "required field contact.name is neither mapped nor an input"
    )
    assert found["$.actions[0].steps[0].map.label"] == (
        "customer.label is computed and cannot be written"
    )


def test_steps_update_relink_and_matching_are_checked() -> None:
    definition = sales_app()
    convert = convert_of(definition)
    convert["steps"][1]["key"] = "customer"
    convert["steps"][2]["entity"] = "deal"
    convert["steps"][0]["reuse_when_equal"] = {"nickname": "company"}
    convert["update"]["converted_customer"] = "$record"
    convert["relink"][0]["via"] = "customer"
    convert["when"] = "status == "
    found = issues(definition)
    assert found["$.actions[0].steps"] == "duplicate step key 'customer'"
    assert found["$.actions[0].steps[2].entity"] == "unknown entity 'deal'"
    assert found["$.actions[0].steps[0].reuse_when_equal.nickname"] == (
        "customer.nickname is not a stored field to match on"
    )
    assert found["$.actions[0].update.converted_customer"] == (
        "$record is a lead: write it into a link to it"
    )
    assert found["$.actions[0].relink[0].via"] == "follow_up.customer is not a link to lead"
    assert "$.actions[0].when" in found


# -- running ----------------------------------------------------------------------------------
def test_conversion_creates_linked_records_marks_the_lead_and_relinks(sales: Sales) -> None:
    lead = sales.lead(
        "ACME",
        phone="13800000000",
        email="li@acme.cn",
        industry="software",
        owner=sales.ids["rep_a"],
    )
    follow_up = sales.create("follow_up", subject="first call", lead=lead)
    result = sales.run("rep_a", lead, "convert")
    created = result["created"]
    assert set(created) == {"customer", "contact", "opportunity"}
    customer = sales.read("customer", created["customer"])
    contact = sales.read("contact", created["contact"])
    opportunity = sales.read("opportunity", created["opportunity"])
    assert (customer["name"], customer["industry"], customer["status"]) == (
        "ACME",
        "software",
        "potential",
    )
    assert customer["owner"] == sales.ids["rep_a"] and customer["created_by"] == sales.ids["rep_a"]
    assert (contact["name"], contact["customer"], contact["mobile"], contact["email"]) == (
        "Li Lei",
        customer["id"],
        "13800000000",
        "li@acme.cn",
    )
    assert opportunity["name"] == "ACME deal"
    assert (opportunity["customer"], opportunity["contact"], opportunity["lead"]) == (
        customer["id"],
        contact["id"],
        lead,
    )
    converted = result["record"]
    assert converted["status"] == "converted" and converted["converted_customer"] == customer["id"]
    assert converted["converted_at"] is not None and converted["version"] == 2
    assert result["updated"] == {"follow_up": [follow_up]}
    assert sales.read("follow_up", follow_up)["customer"] == customer["id"]
    with sales.platform.store.read(sales.tenant) as conn:
        entry = conn.execute(
            select(audit_log.c.user_id, audit_log.c.after).where(
                audit_log.c.action == "action", audit_log.c.record_id == lead
            )
        ).one()
    assert entry.user_id == sales.ids["rep_a"]
    assert entry.after["action"] == "convert" and entry.after["created"] == created


def test_one_invalid_value_creates_nothing(sales: Sales) -> None:
    lead = sales.lead("ACME", email="not an address", owner=sales.ids["rep_a"])
    with pytest.raises(RecordInvalid) as caught:
        sales.run("rep_a", lead, "convert")
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("contact.email", "must be an email address like name@example.com")
    ]
    assert (sales.count("customer"), sales.count("contact"), sales.count("opportunity")) == (
        0,
        0,
        0,
    )
    assert sales.read("lead", lead)["status"] == "new"


def test_an_expression_that_fails_names_its_field(platform: Any, tenant: str) -> None:
    definition = sales_app()
    convert_of(definition)["steps"][2]["map"]["amount"] = "=VALUE(company)"
    sales = install_sales(platform, tenant, definition)
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    with pytest.raises(RecordInvalid) as caught:
        sales.run("rep_a", lead, "convert")
    assert caught.value.errors[0].field == "opportunity.amount"
    assert "cannot be computed: VALUE" in caught.value.errors[0].message
    assert sales.count("customer") == 0


def test_the_users_input_overrides_the_mapping_and_optional_steps_can_be_left_out(
    sales: Sales,
) -> None:
    first = sales.lead("ACME", owner=sales.ids["rep_a"])
    result = sales.run(
        "rep_a", first, "convert", {"opportunity": {"name": "Big one", "amount": 1200.5}}
    )
    opportunity = sales.read("opportunity", result["created"]["opportunity"])
    assert (opportunity["name"], opportunity["amount"]) == ("Big one", 1200.5)
    second = sales.lead("Globex", owner=sales.ids["rep_a"])
    skipped = sales.run("rep_a", second, "convert", {"opportunity": None})
    assert skipped["skipped"] == ["opportunity"] and set(skipped["created"]) == {
        "customer",
        "contact",
    }
    assert sales.count("opportunity") == 1


BAD_PARAMS: list[tuple[dict[str, Any], tuple[str, str]]] = [
    ({"customer": None}, ("customer", "cannot be left out")),
    ({"invoice": {}}, ("invoice", "is not a step of this action")),
    (
        {"opportunity": "yes"},
        ("opportunity", "must be an object of field values (or null to skip)"),
    ),
    ({"contact": {"mobile": "1"}}, ("contact.mobile", "is not an input of this action")),
    ({"record": {"status": "new"}}, ("record.status", "is not an input of this action")),
]


def test_params_are_checked(sales: Sales) -> None:
    lead = sales.lead(owner=sales.ids["rep_a"])
    for params, error in BAD_PARAMS:
        with pytest.raises(RecordInvalid) as caught:
            sales.run("rep_a", lead, "convert", params)
        assert [(e.field, e.message) for e in caught.value.errors] == [error]
    assert sales.count("customer") == 0


def test_an_existing_customer_the_user_sees_is_reused(sales: Sales) -> None:
    mine = sales.create("customer", name="ACME", owner=sales.ids["rep_a"])
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    result = sales.run("rep_a", lead, "convert")
    assert result["reused"] == {"customer": mine} and "customer" not in result["created"]
    assert sales.read("contact", result["created"]["contact"])["customer"] == mine
    assert sales.count("customer") == 1


def test_a_customer_the_user_does_not_see_is_not_reused(sales: Sales) -> None:
    sales.create("customer", name="ACME", owner=sales.ids["rep_w"])
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    with pytest.raises(RecordInvalid) as caught:
        sales.run("rep_a", lead, "convert")
    # The unique name says a customer exists, without showing whose it is.
    assert caught.value.errors[0].field == "customer.name"
    assert "must be unique" in caught.value.errors[0].message


def test_who_may_convert(sales: Sales) -> None:
    rep_a_lead = sales.lead(owner=sales.ids["rep_a"])
    with pytest.raises(RecordNotFound):
        sales.run("rep_w", rep_a_lead, "convert")  # not in their scope: not found
    with pytest.raises(AccessDenied):
        sales.run("auditor", rep_a_lead, "convert")  # reads it, may not change it
    clerk_lead = sales.lead(owner=sales.ids["clerk"])
    with pytest.raises(AccessDenied, match="create customer"):
        sales.run("clerk", clerk_lead, "convert")
    assert sales.run("manager", rep_a_lead, "convert")["record"]["status"] == "converted"


def test_a_converted_lead_cannot_be_converted_again(sales: Sales) -> None:
    lead = sales.lead(owner=sales.ids["rep_a"])
    sales.run("rep_a", lead, "convert")
    with pytest.raises(ActionUnavailable, match="not available for this lead"):
        sales.run("rep_a", lead, "convert")
    assert sales.count("customer") == 1
