"""Lists for real work in the browser: a manager bulk-transfers 20 leads to a rep
(row selection, then an action of the lead for all of them), and the recycle bin
brings a deleted record back."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_LOGIN, sign_in
from tests.browser.widgets import choose, pick_from_menu

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_api(live_server: str) -> Iterator[httpx.Client]:
    """The demo's admin over HTTP: seeds and checks data."""
    with httpx.Client(base_url=live_server, timeout=10) as client:
        token = client.post("/api/auth/login", json=DEMO_LOGIN).raise_for_status().json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client


def user_id(api: httpx.Client, username: str) -> int:
    users = api.get("/api/users").raise_for_status().json()
    return next(int(u["id"]) for u in users if u["username"] == username)


#: The lead pool's ``open_when`` and ``max_open_per_user`` (templates/crm/app.json).
OPEN = ["new", "contacting", "qualified"]
CAP = 50


def open_leads(api: httpx.Client, owner: int) -> list[dict[str, Any]]:
    condition = {
        "and": [
            {"field": "owner", "op": "eq", "value": owner},
            {"field": "status", "op": "in", "value": OPEN},
        ]
    }
    query = {"filter": json.dumps(condition), "page_size": 500, "sort": "id"}
    items: list[dict[str, Any]] = api.get("/api/apps/crm/lead", params=query).json()["items"]
    return items


@contextmanager
def room_for(api: httpx.Client, owner: int, count: int) -> Iterator[None]:
    """Make room under the pool's cap for ``count`` more leads of ``owner`` (the demo
    gives each rep about 40 open ones), by marking some invalid; put them back after."""
    surplus = open_leads(api, owner)[: max(0, len(open_leads(api, owner)) + count - CAP)]
    ids = [lead["id"] for lead in surplus]
    if ids:
        invalid = {"status": "invalid", "invalid_reason": "test: room under the cap"}
        body = {"ids": ids, "values": invalid}
        api.post("/api/apps/crm/lead/bulk-update", json=body).raise_for_status()
    try:
        yield
    finally:
        for lead in surplus:
            back = {"status": lead["status"], "invalid_reason": lead.get("invalid_reason")}
            body = {"ids": [lead["id"]], "values": back}
            api.post("/api/apps/crm/lead/bulk-update", json=body).raise_for_status()


def test_a_manager_bulk_transfers_twenty_leads(
    page: Page, live_server: str, admin_api: httpx.Client
) -> None:
    rep1, rep2 = user_id(admin_api, "rep1"), user_id(admin_api, "rep2")
    batch = f"Bulk{secrets.token_hex(3)}"
    leads = [
        {
            "company": f"{batch} Co {i:02}",
            "contact_name": "Wang",
            "source": "website",
            "owner": rep1,
            "status": "new",
        }
        for i in range(20)
    ]
    ids = admin_api.post("/api/apps/crm/lead/bulk", json=leads).raise_for_status().json()["ids"]
    try:
        with room_for(admin_api, rep2, len(ids)):
            transfer_in_the_browser(page, live_server, batch)
            owners = {
                admin_api.get(f"/api/apps/crm/lead/{i}").raise_for_status().json()["owner"]
                for i in ids
            }
            assert owners == {rep2}
    finally:
        # The seeded leads leave the reps' counts as they were for the other tests.
        admin_api.post("/api/apps/crm/lead/bulk-delete", json={"ids": ids}).raise_for_status()


def transfer_in_the_browser(page: Page, live_server: str, batch: str) -> None:
    sign_in(page, live_server, "manager1")
    page.goto(f"{live_server}/apps/crm/lead?q={batch}")
    table = page.get_by_test_id("record-table")
    expect(table.locator("tbody tr.ant-table-row")).to_have_count(20)
    table.locator("thead .ant-checkbox-input").check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("20 selected")
    owner = page.get_by_test_id("bulk-input-owner")
    pick_from_menu(
        page.get_by_test_id("bulk-actions"), page.get_by_test_id("bulk-action-transfer"), then=owner
    )
    choose(owner.locator(".ant-select"), "Rep Li", search="Rep Li", exact=False)
    page.get_by_test_id("bulk-run").click()
    expect(page.get_by_text("20 records changed")).to_be_visible()
    expect(page.get_by_test_id("bulk-bar")).to_have_count(0)
    # The list shows the new owner on every row.
    rows = table.locator("tbody tr.ant-table-row")
    expect(rows.filter(has_text="Rep Li")).to_have_count(20)


def test_the_recycle_bin_restores_a_deleted_record(
    page: Page, live_server: str, admin_api: httpx.Client
) -> None:
    name = f"Binned {secrets.token_hex(3)}"
    created = admin_api.post(
        "/api/apps/crm/lead",
        json={"company": name, "contact_name": "Li", "source": "website", "status": "new"},
    )
    lead = created.raise_for_status().json()["id"]
    admin_api.delete(f"/api/apps/crm/lead/{lead}").raise_for_status()

    sign_in(page, live_server)
    page.goto(f"{live_server}/apps/crm/lead")
    page.get_by_test_id("recycle-bin").click()
    expect(page.get_by_test_id("recycle-bin-title")).to_contain_text("Recycle bin")
    # Who deleted it, by name, and when, as the app writes a date-time.
    me = admin_api.get("/api/me").raise_for_status().json()
    row = page.get_by_test_id("recycle-bin-table").locator(
        "tr", has=page.get_by_test_id(f"restore-{lead}")
    )
    cells = row.locator("td")  # ..., deleted at, deleted by, the buttons
    expect(cells.nth(-2)).to_have_text(me.get("display_name") or me["username"])
    expect(cells.nth(-3)).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    page.get_by_test_id(f"restore-{lead}").click()
    expect(page.locator(".ant-message").get_by_text("Restored", exact=True)).to_be_visible()
    expect(page.get_by_test_id(f"restore-{lead}")).to_have_count(0)
    assert admin_api.get(f"/api/apps/crm/lead/{lead}").status_code == 200
