"""End to end on the CRM demo: line items, linkage, defaults and a form that Enter cannot submit.

A quote's lines show their products by name after a reload, and picking a
product fills the line's unit price and description (``fill`` of the line's
product link, applied live and by the server). A new follow-up shows its
expression defaults (``=NOW()``, ``=CURRENT_USER()``) filled in, and Enter
pressed in its date field does not save it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_opportunity_form import cell
from tests.browser.widgets import choose

pytestmark = pytest.mark.browser

CRM = "/api/apps/crm"


def priced_products(api: httpx.Client) -> list[dict[str, Any]]:
    items = api.get(f"{CRM}/product", params={"page_size": 50}).raise_for_status().json()["items"]
    return [p for p in items if p["list_price"] is not None and p["spec"]][:2]


def test_quote_lines_show_products_and_fill_prices(
    signed_in: Page, demo_api: httpx.Client, live_server: str
) -> None:
    page = signed_in
    first, second = priced_products(demo_api)
    customer = demo_api.get(f"{CRM}/customer", params={"page_size": 1}).json()["items"][0]
    title = f"Lines {uuid.uuid4().hex[:8]}"
    # The server fills the line's price and description from its product.
    created = demo_api.post(
        f"{CRM}/quote",
        json={
            "title": title,
            "customer": customer["id"],
            "lines": [{"product": first["id"], "qty": 2}],
        },
    )
    assert created.status_code == 201, created.text
    quote = created.json()
    assert float(quote["lines"][0]["unit_price"]) == float(first["list_price"])

    page.goto(f"{live_server}/apps/crm/quote/{quote['id']}/edit")
    lines = page.get_by_test_id("subtable-lines")
    expect(page.get_by_test_id("cell-lines[0].product")).to_contain_text(first["name"])
    expect(lines).not_to_contain_text(f"#{first['id']}")

    # Picking a product in a new row fills its price and description live.
    lines.get_by_role("button", name="Add row").click()
    choose(cell(page, "lines[1].product"), second["name"], search=second["name"], exact=False)
    price = float(second["list_price"])
    expect(cell(page, "lines[1].unit_price")).to_have_value(
        re.compile(rf"{int(price):,}".replace(",", ",?"))
    )
    expect(cell(page, "lines[1].description")).to_have_value(second["spec"])
    cell(page, "lines[1].qty").fill("3")
    # The row's subtotal is visible without scrolling the page sideways.
    subtotal = page.get_by_test_id("readonly-lines[1].subtotal")
    expect(subtotal).to_contain_text("¥")
    expect(subtotal).to_be_in_viewport()
    page.get_by_test_id("save-record").click()
    # Saved: the form goes back to the record's page, which shows the lines themselves.
    expect(page).to_have_url(re.compile(rf"/apps/crm/quote/{quote['id']}(\?.*)?$"))
    shown = page.get_by_test_id("field-lines").get_by_test_id("subtable-view-lines")
    expect(shown).to_contain_text(first["name"])
    expect(shown).to_contain_text(second["name"])
    expect(shown).to_contain_text("¥")
    expect(shown).not_to_contain_text(f"#{first['id']}")

    page.goto(f"{live_server}/apps/crm/quote/{quote['id']}/edit")
    expect(page.get_by_test_id("cell-lines[0].product")).to_contain_text(first["name"])
    expect(page.get_by_test_id("cell-lines[1].product")).to_contain_text(second["name"])
    stored = demo_api.get(f"{CRM}/quote/{quote['id']}").json()
    assert [float(line["unit_price"]) for line in stored["lines"]] == [
        float(first["list_price"]),
        price,
    ]


def test_new_follow_up_has_its_defaults_and_enter_does_not_save(
    signed_in: Page, demo_api: httpx.Client, live_server: str
) -> None:
    page = signed_in
    me = demo_api.get("/api/me").raise_for_status().json()
    customer = demo_api.get(f"{CRM}/customer", params={"page_size": 1}).json()["items"][0]
    subject = f"Call {uuid.uuid4().hex[:8]}"
    page.goto(f"{live_server}/apps/crm/follow_up/new")
    expect(page.get_by_test_id("form-title")).to_contain_text("New")

    # =NOW() and =CURRENT_USER(), computed by the server, are shown filled in.
    today = demo_api.post(f"{CRM}/follow_up/preview", json={}).json()["defaults"]["followed_at"][
        :10
    ]
    expect(page.get_by_test_id("field-followed_at").locator("input")).to_have_value(
        re.compile(today)
    )
    name = me.get("display_name") or me.get("username") or ""
    expect(page.get_by_test_id("field-owner")).to_contain_text(name)

    page.get_by_label("Subject", exact=True).fill(subject)
    # Enter in a long text is a new line, not a save.
    notes = page.get_by_label("Notes", exact=True)
    notes.fill("Talked about the renewal")
    notes.press("Enter")
    notes.type("Sends the offer on Monday")
    choose(
        page.get_by_label("Customer", exact=True),
        customer["name"],
        search=customer["name"],
        exact=False,
    )
    date = page.get_by_test_id("field-next_follow_up_on").locator("input")
    date.click()
    date.fill("2030-01-15")
    date.press("Enter")
    date.press("Enter")
    expect(page).to_have_url(re.compile(r"/follow_up/new$"))
    expect(page.get_by_test_id("record-form")).to_be_visible()
    expect(date).to_have_value("2030-01-15")

    # Only the button saves, once.
    page.get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(r"/apps/crm/follow_up/\d+$"))
    saved = demo_api.get(f"{CRM}/follow_up", params={"q": subject}).json()["items"]
    assert [(item["subject"], item["next_follow_up_on"]) for item in saved] == [
        (subject, "2030-01-15")
    ]
    assert saved[0]["owner"] == me["id"]
    assert saved[0]["content"] == "Talked about the renewal\nSends the offer on Monday"
