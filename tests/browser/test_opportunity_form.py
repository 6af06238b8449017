"""End to end: an opportunity with a linked customer, line items, formulas and a conditional field.

The formulas and the `visible_when`/`required_when` of Mini CRM's opportunity
are evaluated by the server as the form changes (``…/opportunity/preview``):
each line's subtotal and the net amount appear while typing, and the lost
reason appears only while the stage is "lost", where it is required.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import sign_in
from tests.browser.widgets import choose

pytestmark = pytest.mark.browser

NON_EMPTY = re.compile(r"\S")


def cell(page: Page, path: str) -> Locator:
    """The input of a sub-table cell, e.g. ``lines[0].qty``."""
    return page.get_by_test_id(f"cell-{path}").locator("input")


def test_opportunity_form_applies_formulas_and_conditions_live(
    signed_in: Page, demo_api: httpx.Client
) -> None:
    page = signed_in
    suffix = uuid.uuid4().hex[:8]
    customer = f"Linked Customer {suffix}"
    deal = f"Lost Deal {suffix}"
    demo_api.post("/api/apps/mini_crm/customer", json={"name": customer}).raise_for_status()

    page.get_by_test_id("app-card-mini_crm").click()
    page.get_by_test_id("entity-menu").get_by_text("Opportunity", exact=True).click()
    expect(page.get_by_test_id("entity-title")).to_have_text("Opportunity")
    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    lost_reason = page.get_by_test_id("field-lost_reason")
    expect(page.get_by_test_id("field-name")).to_be_visible()
    expect(lost_reason).to_have_count(0)

    page.get_by_label("Name", exact=True).fill(deal)
    choose(page.get_by_label("Customer", exact=True), customer, search=suffix, exact=False)
    expect(page.get_by_test_id("field-customer")).to_contain_text(customer)

    # Line items: each row's subtotal (qty * price) is computed as it is typed.
    add_row = page.get_by_test_id("subtable-lines").get_by_role("button", name="Add row")
    add_row.click()
    add_row.click()
    for row, (product, qty, price) in enumerate([("Widget", "2", "9.5"), ("Gadget", "3", "100")]):
        cell(page, f"lines[{row}].product").fill(product)
        cell(page, f"lines[{row}].qty").fill(qty)
        cell(page, f"lines[{row}].price").fill(price)
    expect(page.get_by_test_id("readonly-lines[0].subtotal")).to_have_text("¥19.00")
    expect(page.get_by_test_id("readonly-lines[1].subtotal")).to_have_text("¥300.00")
    cell(page, "lines[1].qty").fill("4")
    expect(page.get_by_test_id("readonly-lines[1].subtotal")).to_have_text("¥400.00")

    # The net amount formula: amount * (1 - discount).
    page.get_by_label("Amount", exact=True).fill("1000")
    page.get_by_label("Discount", exact=True).fill("15")
    expect(page.get_by_test_id("readonly-net_amount")).to_have_text("¥850.00")

    # The lost reason shows only while the stage is "lost".
    stage = page.get_by_label("Stage", exact=True)
    choose(stage, "Lost", exact=False)
    expect(lost_reason).to_be_visible()
    choose(stage, "Negotiation", exact=False)
    expect(lost_reason).to_have_count(0)
    choose(stage, "Lost", exact=False)
    expect(lost_reason).to_be_visible()

    # Required while visible: saving without it names the field.
    page.get_by_test_id("save-record").click()
    reason = page.get_by_label("Lost reason", exact=True)
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(NON_EMPTY)
    expect(page).to_have_url(re.compile(r"/opportunity/new$"))

    reason.fill("Budget went to a competitor")
    expect(reason).not_to_have_attribute("aria-invalid", "true")
    page.get_by_test_id("save-record").click()

    # The new record's own page, showing what was entered.
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/opportunity/\d+$"))
    expect(page.get_by_test_id("record-title")).to_have_text(deal)
    expect(page.get_by_test_id("field-customer")).to_contain_text(customer)
    expect(page.get_by_test_id("field-stage")).to_contain_text("Lost")

    saved = demo_api.get("/api/apps/mini_crm/opportunity", params={"q": deal}).json()["items"]
    assert [(item["net_amount"], item["lost_reason"]) for item in saved] == [
        (850.0, "Budget went to a competitor")
    ]


def test_opportunity_form_speaks_chinese(signed_in: Page) -> None:
    page = signed_in
    page.get_by_test_id("language-switch").get_by_text("中文").click()
    page.get_by_test_id("app-card-mini_crm").click()
    page.get_by_test_id("entity-menu").get_by_text("商机", exact=True).click()
    # The list of opportunities, not the page before it, offers "new".
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/opportunity(\?.*)?$"))
    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_have_text("商机 · 新建")
    choose(page.get_by_label("阶段", exact=True), "输单", exact=False)
    expect(page.get_by_test_id("field-lost_reason")).to_contain_text("输单原因")
    expect(page.get_by_test_id("subtable-lines")).to_contain_text("添加行")


def test_field_access_of_the_user(page: Page, live_server: str) -> None:
    # The demo's sales rep may only read an opportunity's discount (Mini CRM's roles).
    sign_in(page, live_server, "rep1")
    page.get_by_test_id("app-card-mini_crm").click()
    page.get_by_test_id("entity-menu").get_by_text("Opportunity", exact=True).click()
    page.get_by_test_id("new-record").click()
    expect(page.get_by_label("Discount", exact=True)).to_be_disabled()
    expect(page.get_by_label("Amount", exact=True)).to_be_enabled()
