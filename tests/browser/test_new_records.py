"""Making records in the CRM as a rep does: from a list, and from a customer's page.

A new customer saved from the list's "new" opens its own page, and an amount
typed into the form reads with separators once entered. A contact started
from low on a customer's page (its related list) opens at the top of the
form, and once saved the rep is back on the customer's page. A quote's
contact, picked among the customer's, is cleared when the customer changes.
A save clicked before the form's live answer is back waits for it, so a
field the last change made optional is not refused as required.
"""

from __future__ import annotations

import contextlib
import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import REP, sign_in
from tests.browser.widgets import choose, dropdown_of, list_settled

pytestmark = pytest.mark.browser


def test_a_new_customer_opens_its_page_and_its_amount_reads_with_separators(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    name = f"Amount Co {uuid.uuid4().hex[:8]}"
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/customer")
    list_settled(page)
    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    page.get_by_label("Name", exact=True).fill(name)

    limit = page.get_by_label("Credit limit", exact=True)
    limit.fill("1234567.5")
    # While typing the digits stay as typed; once entered they read as an amount.
    expect(limit).to_have_value("1234567.5")
    limit.press("Tab")
    expect(limit).to_have_value("1,234,567.50")

    page.get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(r"/apps/crm/customer/\d+$"))
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    expect(page.get_by_test_id("field-credit_limit")).to_contain_text("¥1,234,567.50")
    (saved,) = rep_api.get("/api/apps/crm/customer", params={"q": name}).json()["items"]
    assert float(saved["credit_limit"]) == 1234567.5


def test_a_contact_from_a_customers_page_opens_at_the_top_and_saves_back_there(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    name = f"Related Co {uuid.uuid4().hex[:8]}"
    customer_id = (
        rep_api.post("/api/apps/crm/customer", json={"name": name}).raise_for_status().json()["id"]
    )
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/customer/{customer_id}")
    expect(page.get_by_test_id("record-title")).to_have_text(name)

    related = page.get_by_test_id("related-lists")
    related.get_by_test_id("related-tab-contact.customer").click()
    new_contact = related.get_by_test_id("related-new-contact.customer")
    expect(new_contact).to_be_visible()
    # The related lists are below the fold: the rep has scrolled down to them.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("window.scrollY") > 0
    new_contact.click()

    expect(page).to_have_url(re.compile(rf"/apps/crm/contact/new\?customer={customer_id}$"))
    expect(page.get_by_test_id("form-title")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0
    expect(page.get_by_test_id("field-customer")).to_contain_text(name)
    page.get_by_label("Name", exact=True).fill("Zhang San")
    page.get_by_test_id("save-record").click()

    expect(page).to_have_url(re.compile(rf"/apps/crm/customer/{customer_id}$"))
    expect(related.get_by_test_id("related-tab-contact.customer")).to_have_text("Contact 1")


def test_changing_a_quotes_customer_clears_the_other_customers_contact(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    batch = uuid.uuid4().hex[:8]
    names: dict[str, tuple[str, str]] = {}
    for side in ("First", "Second"):
        customer = f"{side} Co {batch}"
        made = rep_api.post("/api/apps/crm/customer", json={"name": customer}).raise_for_status()
        contact = f"{side} Buyer {batch}"
        body = {"name": contact, "customer": made.json()["id"]}
        rep_api.post("/api/apps/crm/contact", json=body).raise_for_status()
        names[side] = (customer, contact)

    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/quote/new")
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    customer_input = page.get_by_label("Customer", exact=True)
    contact_input = page.get_by_label("Contact", exact=True)
    first, second = names["First"], names["Second"]
    choose(customer_input, first[0], search=first[0], exact=False)
    choose(contact_input, first[1], search=first[1], exact=False)

    choose(customer_input, second[0], search=second[0], exact=False)
    # The first customer's contact does not stay on the second customer's quote.
    contact_field = page.get_by_test_id("field-contact")
    expect(contact_field).not_to_contain_text(first[1])
    contact_field.locator(".ant-select").click()
    options = dropdown_of(contact_input).locator(".ant-select-item-option")
    expect(options).to_have_text([second[1]])


def test_a_save_right_after_a_pick_waits_for_the_forms_answer(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    name = f"Quick Co {uuid.uuid4().hex[:8]}"
    rep_api.post("/api/apps/crm/customer", json={"name": name}).raise_for_status()
    subject = f"Quick call {uuid.uuid4().hex[:8]}"
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/follow_up/new")
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    page.get_by_label("Subject", exact=True).fill(subject)
    page.get_by_label("Notes", exact=True).fill("Quick one")
    # Until a customer is linked the lead is required; the server's answer says when it is not.
    expect(page.get_by_test_id("field-lead").locator(".ant-form-item-required")).to_have_count(1)

    # The answer for the customer's pick is held back (a slow network) while Save is clicked.
    held: list[Route] = []
    page.route(re.compile(r"/api/apps/crm/follow_up/preview$"), lambda route: held.append(route))
    choose(page.get_by_label("Customer", exact=True), name, search=name, exact=False)
    page.get_by_test_id("save-record").click()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the form never asked for the pick's answer"
    expect(page).to_have_url(re.compile(r"/follow_up/new$"))
    page.unroute(re.compile(r"/api/apps/crm/follow_up/preview$"))
    for route in held:
        # A question the form dropped for a newer one (aborted) has nothing to answer.
        with contextlib.suppress(Exception):
            route.continue_()

    expect(page).to_have_url(re.compile(r"/apps/crm/follow_up/\d+$"))
    expect(page.get_by_test_id("record-title")).to_have_text(subject)


def test_a_pool_leads_phone_reads_as_hidden_until_claimed(
    page: Page, live_server: str, demo_api: httpx.Client
) -> None:
    # The server sends a pool lead's phone and email blank to a rep: "no phone" it is not.
    pooled = demo_api.get("/api/apps/crm/lead", params={"view": "pool", "page_size": 50})
    lead = next(
        item
        for item in pooled.raise_for_status().json()["items"]
        if item["phone"] and not item["times_returned"]
    )
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/lead/{lead['id']}")
    expect(page.get_by_test_id("record-title")).to_have_text(lead["company"])
    expect(page.get_by_test_id("field-phone")).to_have_text("Shown once claimed")
    expect(page.get_by_test_id("field-company")).to_have_text(lead["company"])

    page.get_by_test_id("action-claim").click()
    expect(page.get_by_test_id("field-phone")).to_have_text(lead["phone"])
