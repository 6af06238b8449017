"""The record page of the CRM: a customer as a rep lives with it.

The rep opens a customer (view mode, not a form), sees its opportunities and
contracts in its related lists, logs a follow-up from the page (the form
opens pre-linked to the customer), comes back to the page and reads in its
history what the follow-up changed, named by the fields' labels, and by
which rule.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_LOGIN, sign_in

pytestmark = pytest.mark.browser

REP = "rep1"


@pytest.fixture
def rep_api(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live server signed in as the rep: for seeding and checking data."""
    with httpx.Client(base_url=live_server, timeout=10) as client:
        login = {**DEMO_LOGIN, "username": REP}
        token = client.post("/api/auth/login", json=login).raise_for_status().json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client


def test_a_rep_reads_a_customer_logs_a_follow_up_and_sees_it_in_the_history(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    name = f"Page Co {uuid.uuid4().hex[:8]}"
    customer = rep_api.post("/api/apps/crm/customer", json={"name": name})
    customer_id = customer.raise_for_status().json()["id"]
    deal = f"{name} deal"
    rep_api.post(
        "/api/apps/crm/opportunity", json={"name": deal, "customer": customer_id}
    ).raise_for_status()
    contract = f"{name} contract"
    rep_api.post(
        "/api/apps/crm/contract", json={"title": contract, "customer": customer_id}
    ).raise_for_status()

    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/customer/{customer_id}")
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    # View mode: values, not inputs; editing is a button away.
    expect(page.get_by_test_id("save-record")).to_have_count(0)
    expect(page.get_by_test_id("edit-record")).to_be_visible()

    related = page.get_by_test_id("related-lists")
    expect(related.get_by_test_id("related-tab-opportunity.customer")).to_have_text("Opportunity 1")
    expect(related.get_by_test_id("related-tab-contract.customer")).to_have_text("Contract 1")
    related.get_by_test_id("related-tab-opportunity.customer").click()
    expect(related.get_by_test_id("related-table-opportunity.customer")).to_contain_text(deal)
    related.get_by_test_id("related-tab-contract.customer").click()
    expect(related.get_by_test_id("related-table-contract.customer")).to_contain_text(contract)

    page.get_by_test_id("quick-add-follow_up").click()
    expect(page).to_have_url(re.compile(rf"/apps/crm/follow_up/new\?customer={customer_id}$"))
    # The form starts linked to the customer, named, not "#id".
    expect(page.get_by_test_id("field-customer")).to_contain_text(name)
    page.get_by_label("Subject", exact=True).fill("Called about the renewal")
    page.get_by_label("Notes", exact=True).fill("Wants a quote next week.")
    page.get_by_test_id("save-record").click()

    # Back on the customer's page, with the follow-up in its list and its effect in the history.
    expect(page).to_have_url(re.compile(rf"/apps/crm/customer/{customer_id}$"))
    expect(related.get_by_test_id("related-tab-follow_up.customer")).to_have_text("Follow-up 1")
    related.get_by_test_id("related-tab-follow_up.customer").click()
    expect(related.get_by_test_id("related-table-follow_up.customer")).to_contain_text(
        "Called about the renewal"
    )
    history = page.get_by_test_id("record-history")
    newest = history.get_by_test_id("history-entry").first
    expect(newest.get_by_test_id("history-title")).to_have_text("Changed")
    # The CRM's rule wrote it, on behalf of the rep: the entry says which rule.
    expect(newest.get_by_test_id("history-via")).to_have_text(
        "by rule “A follow-up updates what it followed up”"
    )
    expect(newest.get_by_test_id("history-change-last_followed_up_at")).to_contain_text(
        "Last followed up:"
    )
    expect(history.get_by_test_id("history-entry").last).to_contain_text("Created")
    expect(history.get_by_test_id("history-entry").last).to_contain_text(f"Name: {name}")

    (logged,) = (
        rep_api.get("/api/apps/crm/follow_up", params={"customer": customer_id})
        .raise_for_status()
        .json()["items"]
    )
    assert logged["subject"] == "Called about the renewal"
