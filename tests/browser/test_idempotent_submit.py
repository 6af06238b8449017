"""One Idempotency-Key per form submission, not per HTTP call.

The first save's answer is lost on the way back (the server did create the
record); pressing Save again retries the same submission with the same key,
so the server replays its first answer instead of creating a second record.
Once the user changes the form, the next save is a new submission with a new
key.
"""

from __future__ import annotations

import json
import re
import secrets

import httpx
import pytest
from playwright.sync_api import Page, Request, Route, expect

pytestmark = pytest.mark.browser

CREATE = re.compile(r"/api/apps/mini_crm/customer$")


def named(api: httpx.Client, name: str) -> list[dict[str, object]]:
    query = {"filter": json.dumps({"field": "name", "op": "eq", "value": name})}
    items: list[dict[str, object]] = (
        api.get("/api/apps/mini_crm/customer", params=query).raise_for_status().json()["items"]
    )
    return items


class LoseFirstAnswer:
    """Routes writes: the first reaches the server, but its answer never reaches the page."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.replayed: list[str | None] = []

    def __call__(self, route: Route, request: Request) -> None:
        if request.method != "POST":
            route.continue_()
            return
        self.keys.append(request.headers["idempotency-key"])
        answer = route.fetch()
        if len(self.keys) == 1:
            assert answer.ok  # the write happened on the server
            route.abort("connectionreset")
            return
        self.replayed.append(answer.headers.get("idempotent-replayed"))
        route.fulfill(response=answer)


def open_new_customer(page: Page, live_server: str, lost: LoseFirstAnswer, name: str) -> None:
    page.route(CREATE, lost)
    page.goto(f"{live_server}/apps/mini_crm/customer/new")
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_test_id("save-record").click()
    # The page saw a network failure, not a saved record: it stays on the form.
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/customer/new$"))


def test_a_retry_after_a_lost_answer_replays_instead_of_creating_twice(
    signed_in: Page, live_server: str, demo_api: httpx.Client
) -> None:
    page = signed_in
    name = f"Retry Co {secrets.token_hex(4)}"
    lost = LoseFirstAnswer()
    open_new_customer(page, live_server, lost, name)

    page.get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer/\d+$"))

    assert len(lost.keys) == 2
    assert lost.keys[0] == lost.keys[1]
    assert lost.replayed == ["true"]
    assert len(named(demo_api, name)) == 1


def test_a_changed_form_is_a_new_submission_with_a_new_key(
    signed_in: Page, live_server: str, demo_api: httpx.Client
) -> None:
    page = signed_in
    first = f"Changed Co {secrets.token_hex(4)}"
    lost = LoseFirstAnswer()
    open_new_customer(page, live_server, lost, first)

    second = f"{first} Ltd"
    page.get_by_label("Name", exact=True).fill(second)
    page.get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer/\d+$"))

    assert len(lost.keys) == 2
    assert lost.keys[0] != lost.keys[1]
    assert lost.replayed == [None]
    # The lost save did happen; the changed one is another record.
    assert len(named(demo_api, first)) == 1
    assert len(named(demo_api, second)) == 1

    # The form opened afresh after a save starts a new submission too.
    page.goto(f"{live_server}/apps/mini_crm/customer")
    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    third = f"{first} Three"
    page.get_by_label("Name", exact=True).fill(third)
    page.get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer/\d+$"))
    assert len(lost.keys) == 3
    assert lost.keys[2] not in lost.keys[:2]
    assert len(named(demo_api, third)) == 1


def test_a_bulk_delete_retried_after_a_lost_answer_replays(
    signed_in: Page, live_server: str, demo_api: httpx.Client
) -> None:
    page = signed_in
    batch = f"Bulkretry{secrets.token_hex(3)}"
    for i in range(2):
        body = {"name": f"{batch} {i}"}
        demo_api.post("/api/apps/mini_crm/customer", json=body).raise_for_status()
    lost = LoseFirstAnswer()
    page.route(re.compile(r"/api/apps/mini_crm/customer/bulk-delete$"), lost)
    page.goto(f"{live_server}/apps/mini_crm/customer?q={batch}")
    table = page.get_by_test_id("record-table")
    expect(table.locator("tbody tr.ant-table-row")).to_have_count(2)
    table.locator("thead .ant-checkbox-input").check()

    def delete_selected() -> None:
        page.get_by_test_id("bulk-delete").click()
        page.locator(".ant-modal-confirm").get_by_role("button", name="OK").click()

    delete_selected()
    expect(page.get_by_test_id("bulk-problem")).to_be_visible()
    # The records are gone already; a new key would now be refused, the same one replays.
    delete_selected()
    expect(page.get_by_text("2 records changed")).to_be_visible()

    assert len(lost.keys) == 2
    assert lost.keys[0] == lost.keys[1]
    assert lost.replayed == ["true"]
    assert named(demo_api, f"{batch} 0") == []
