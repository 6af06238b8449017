"""End to end: sign in, open Mini CRM's customers, fail validation, fix it, save,
land on the new customer's page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

NON_EMPTY = re.compile(r"\S")


def test_create_customer_shows_field_errors_then_saves(signed_in: Page) -> None:
    page = signed_in
    name = f"Browser Test Co {uuid.uuid4().hex[:8]}"

    page.get_by_test_id("app-card-mini_crm").click()
    expect(page.get_by_test_id("app-title")).to_have_text("Mini CRM")
    page.get_by_test_id("entity-menu").get_by_text("Customer", exact=True).click()
    expect(page.get_by_test_id("entity-title")).to_have_text("Customer")
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer"))

    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_test_id("save-record").click()

    # The messages are shown under the fields and announced as their descriptions.
    name_input = page.get_by_label("Name", exact=True)
    email_input = page.get_by_label("Email", exact=True)
    for field_input in (name_input, email_input):
        expect(field_input).to_have_attribute("aria-invalid", "true")
        expect(field_input).to_have_accessible_description(NON_EMPTY)

    name_input.fill(name)
    email_input.fill("buyer@example.com")
    page.get_by_test_id("save-record").click()

    # Saved: the new customer's own page, with a message saying so.
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer/\d+$"))
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    expect(page.get_by_test_id("field-email")).to_contain_text("buyer@example.com")
    expect(page.locator(".ant-message")).to_contain_text("Saved")

    # The form is not in the history any more: "back" is the list, which has the customer.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer(\?.*)?$"))
    table = page.get_by_test_id("record-table")
    expect(table.get_by_role("row").filter(has_text=name)).to_be_visible()
