"""A list's state lives in its URL: a filter survives a reload and the back
button undoes it; a customer's "view all" opportunities is the opportunity
list filtered to that customer, saying so in a removable tag, whose "new"
starts linked to the customer; a link that does not fit the list falls back
to the plain list with a notice instead of failing."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.widgets import choose

pytestmark = pytest.mark.browser


def rows(page: Page) -> Locator:
    return page.get_by_test_id("record-table").locator("tbody tr.ant-table-row")


def url_filter(page: Page) -> object:
    """The list's `filter` parameter, parsed; None without one."""
    values = parse_qs(urlparse(page.url).query).get("filter")
    return json.loads(values[0]) if values else None


def test_a_filter_survives_a_reload_and_back_returns_to_the_unfiltered_list(
    signed_in: Page, live_server: str, demo_api: httpx.Client
) -> None:
    page = signed_in
    batch = f"Url{secrets.token_hex(3)}"
    customer = demo_api.post("/api/apps/crm/customer", json={"name": f"{batch} Customer"})
    customer_id = customer.raise_for_status().json()["id"]
    for name in (f"{batch} keep one", f"{batch} keep two", f"{batch} drop"):
        body = {"name": name, "customer": customer_id}
        demo_api.post("/api/apps/crm/opportunity", json=body).raise_for_status()

    page.goto(f"{live_server}/apps/crm/opportunity?q={batch}")
    expect(rows(page)).to_have_count(3)
    expect(page.get_by_test_id("filter-chips")).to_have_count(0)

    page.get_by_test_id("filter-builder").click()
    page.get_by_test_id("filter-root-add").click()
    choose(page.get_by_test_id("filter-root-0-field"), "Name")
    choose(page.get_by_test_id("filter-root-0-op"), "contains")
    page.get_by_test_id("filter-root-0-value").fill(f"{batch} keep")
    page.get_by_test_id("filter-apply").click()

    expect(rows(page)).to_have_count(2)
    chip = page.get_by_test_id("filter-chip-name")
    expect(chip).to_have_text(f"Name contains {batch} keep")
    assert url_filter(page) == {"field": "name", "op": "contains", "value": f"{batch} keep"}

    page.reload()
    expect(rows(page)).to_have_count(2)
    expect(rows(page).filter(has_text="drop")).to_have_count(0)
    expect(page.get_by_test_id("filter-chip-name")).to_have_text(f"Name contains {batch} keep")
    expect(page.get_by_test_id("record-search").locator("input")).to_have_value(batch)

    page.go_back()
    expect(page.get_by_test_id("filter-chips")).to_have_count(0)
    expect(rows(page)).to_have_count(3)
    assert url_filter(page) is None
    assert parse_qs(urlparse(page.url).query)["q"] == [batch]

    # Forward brings the filter back; removing its tag drops it again.
    page.go_forward()
    expect(rows(page)).to_have_count(2)
    page.get_by_test_id("filter-chip-name-remove").click()
    expect(rows(page)).to_have_count(3)
    assert url_filter(page) is None

    # A column's own filter lives in the URL too, and reads as a tag of its own.
    page.get_by_role("columnheader", name="Name").get_by_test_id("column-filter-name-open").click()
    page.get_by_test_id("column-filter-name-value").fill(f"{batch} drop")
    page.get_by_test_id("column-filter-name-apply").click()
    expect(rows(page)).to_have_count(1)
    page.reload()
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_test_id("filter-chip-column-name")).to_have_text(f"Name is {batch} drop")
    columns = parse_qs(urlparse(page.url).query)["column_filters"]
    assert json.loads(columns[0]) == [{"field": "name", "op": "eq", "value": f"{batch} drop"}]


def test_view_all_of_a_customers_opportunities_is_the_list_filtered_to_it(
    signed_in: Page, live_server: str, demo_api: httpx.Client
) -> None:
    page = signed_in
    batch = f"Rel{secrets.token_hex(3)}"
    customer = demo_api.post("/api/apps/crm/customer", json={"name": f"{batch} Customer"})
    customer_id = customer.raise_for_status().json()["id"]
    other = demo_api.post("/api/apps/crm/customer", json={"name": f"{batch} Other"})
    other_id = other.raise_for_status().json()["id"]
    for name, owner in ((f"{batch} deal A", customer_id), (f"{batch} deal B", customer_id)):
        body = {"name": name, "customer": owner}
        demo_api.post("/api/apps/crm/opportunity", json=body).raise_for_status()
    body = {"name": f"{batch} not theirs", "customer": other_id}
    demo_api.post("/api/apps/crm/opportunity", json=body).raise_for_status()

    page.goto(f"{live_server}/apps/crm/customer/{customer_id}")
    related = page.get_by_test_id("related-lists")
    related.get_by_test_id("related-tab-opportunity.customer").click()
    related.get_by_test_id("related-all-opportunity.customer").click()

    expect(page).to_have_url(re.compile(r"/apps/crm/opportunity\?filter="))
    assert url_filter(page) == {"field": "customer", "op": "eq", "value": customer_id}
    expect(rows(page)).to_have_count(2)
    expect(rows(page).filter(has_text="not theirs")).to_have_count(0)
    chip = page.get_by_test_id("filter-chip-customer")
    expect(chip).to_have_text(f"Customer is {batch} Customer")

    # "New" here starts linked to the customer, named, as the related list's own "new" does.
    page.get_by_test_id("new-record").click()
    expect(page).to_have_url(re.compile(rf"/apps/crm/opportunity/new\?customer={customer_id}$"))
    expect(page.get_by_test_id("field-customer")).to_contain_text(f"{batch} Customer")
    page.go_back()

    # The tag is removable: the list is then every opportunity again.
    expect(rows(page)).to_have_count(2)
    page.get_by_test_id("filter-chip-customer-remove").click()
    expect(page.get_by_test_id("filter-chips")).to_have_count(0)
    assert url_filter(page) is None
    expect(rows(page)).not_to_have_count(2)


@pytest.mark.parametrize(
    "query",
    [
        "filter=not%20json&sort=no_such_field",
        'filter={"field":"no_such_field","op":"eq","value":1}',
        'column_filters=[{"field":"amount","op":"starts_with","value":"1"}]',
        # Fits the entity's shape, but the server refuses the value: the same fallback.
        'filter={"field":"amount","op":"gte","value":"lots"}',
    ],
)
def test_a_link_that_does_not_fit_the_list_shows_the_plain_list_and_a_notice(
    signed_in: Page, live_server: str, query: str
) -> None:
    page = signed_in
    page.goto(f"{live_server}/apps/crm/opportunity?{query}")
    expect(page.get_by_test_id("list-notice")).to_be_visible()
    expect(rows(page).first).to_be_visible()
    expect(page.get_by_test_id("filter-chips")).to_have_count(0)
    params = parse_qs(urlparse(page.url).query)
    assert "filter" not in params
    assert "column_filters" not in params
    assert "sort" not in params
