"""The rule designer end to end: an admin builds "when a customer becomes a
strategic (VIP) account, notify the owner's manager", publishes it, a
customer of a rep is upgraded, and the rep's manager, signed in in another
browser, sees the bell's count rise without reloading (the bell's poll).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEMO_LOGIN, TIMEOUT_MS, sign_in
from tests.browser.widgets import choose_by_test_id, pick_from_menu

pytestmark = pytest.mark.browser

REP = "rep1"
MANAGER = "manager1"
#: The CRM's top customer tier (templates/crm/app.json, customer.level).
VIP = "strategic"
#: The bell asks every 15 s; a little more for the request itself.
BELL_POLL_MS = 20_000


@pytest.fixture
def manager_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A second browser (its own session storage), signed in as the rep's manager."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", reduced_motion="reduce"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, live_server, MANAGER)
    yield page
    context.close()


def unread_of(live_server: str, username: str) -> int:
    with httpx.Client(base_url=live_server, timeout=10) as client:
        login = {**DEMO_LOGIN, "username": username}
        token = client.post("/api/auth/login", json=login).raise_for_status().json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        answer = client.get("/api/notifications/unread", headers=headers).raise_for_status()
        return int(answer.json()["unread"])


def moment(text: str) -> datetime:
    """A job's `run_at`; SQLite gives it without a zone, and it is UTC."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def wait_until_jobs_settle(admin: httpx.Client, *, limit_s: float = 120) -> None:
    """Wait until no job runs and none is due: the demo's first tick delivers
    hundreds of reminders (to the manager too), and a bell counted before they
    land would rise for them, not for the rule under test."""
    deadline = time.monotonic() + limit_s
    quiet = 0
    while quiet < 2:
        if time.monotonic() > deadline:
            pytest.fail(f"the demo's jobs did not settle within {limit_s:.0f} s")
        running = admin.get("/api/jobs", params={"status": "running", "page_size": 1})
        queued = admin.get("/api/jobs", params={"status": "queued", "page_size": 200})
        now = datetime.now(UTC)
        due = [
            job for job in queued.raise_for_status().json()["items"] if moment(job["run_at"]) <= now
        ]
        busy = bool(running.raise_for_status().json()["items"] or due)
        quiet = 0 if busy else quiet + 1
        time.sleep(0.5)


def choose(page: Page, select_id: str, option_test_id: str) -> None:
    """Open an antd select by its input's id and click one of its options."""
    choose_by_test_id(page.locator(f"#{select_id}"), page.get_by_test_id(option_test_id))


def test_admin_designs_a_vip_rule_and_the_managers_bell_rises(
    signed_in: Page, manager_page: Page, live_server: str, demo_api: httpx.Client
) -> None:
    page = signed_in
    key = f"vip_manager_{uuid.uuid4().hex[:8]}"
    title = f"VIP {uuid.uuid4().hex[:6]}"
    listed = demo_api.get("/api/users").raise_for_status().json()
    users = {user["username"]: user for user in listed}
    customer = (
        demo_api.post(
            "/api/apps/crm/customer",
            json={"name": f"Acme {key}", "owner": users[REP]["id"], "level": "normal"},
        )
        .raise_for_status()
        .json()
    )

    # The manager's bell shows the count they have now, once its first poll answered.
    wait_until_jobs_settle(demo_api)
    before = unread_of(live_server, MANAGER)
    bell = manager_page.get_by_test_id("notification-bell")
    expect(bell).to_have_attribute("data-unread", str(before))

    # The admin opens the app's builder from the app page.
    page.get_by_test_id("app-card-crm").click()
    page.get_by_test_id("design-app").click()
    expect(page).to_have_url(re.compile(r"/design/crm/rules$"))
    page.get_by_test_id("rule-new").click()
    page.locator("#fw-rule-key").fill(key)
    page.locator("#fw-rule-label-en").fill("VIP: tell the manager")
    page.locator("#fw-rule-label-zh").fill("重要客户：通知经理")
    choose(page, "fw-rule-entity", "entity-option-customer")

    # Trigger and its settings come from the server's catalogue.
    choose(page, "fw-rule-trigger-on", "trigger-option-field_changed")
    choose(page, "fw-rule-trigger-fields", "fw-rule-trigger-fields-option-level")
    page.keyboard.press("Escape")

    # The condition, with completion of the field name and the live check.
    condition = page.get_by_test_id("condition-input")
    condition.press_sequentially("lev")
    page.get_by_test_id("condition-suggestion-level").click()
    expect(condition).to_have_value("level")
    condition.press("End")
    condition.press_sequentially(f" == '{VIP}'")
    expect(page.get_by_test_id("condition-check")).to_have_attribute("data-state", "ok")

    # The effect: notify the owner's manager.
    effect = page.get_by_test_id("effect-0")
    pick_from_menu(
        page.get_by_test_id("effect-add"), page.get_by_test_id("effect-add-notify"), then=effect
    )
    managers_of = "fw-rule-effects-0-to-managers_of"
    choose(page, managers_of, f"{managers_of}-option-owner")
    page.keyboard.press("Escape")
    page.locator("#fw-rule-effects-0-title").fill(f"={title!r}")

    # Try it on the customer: the dry run answers without writing anything.
    page.get_by_test_id("dry-run-record").click()
    page.keyboard.type(customer["name"])
    page.get_by_test_id(f"dry-run-record-{customer['id']}").click()
    page.get_by_test_id("dry-run-go").click()
    expect(page.get_by_test_id("dry-run-result")).to_be_visible()

    page.get_by_test_id("rule-save-publish").click()
    expect(page).to_have_url(re.compile(r"/design/crm/rules$"))
    expect(page.get_by_test_id("rule-table")).to_contain_text(key)
    expect(page.get_by_test_id("draft-state")).to_have_attribute("data-changed", "false")
    published = demo_api.get("/api/apps/crm/rules").raise_for_status().json()
    assert key in [item["rule"]["key"] for item in published["rules"]]

    # The rep's customer becomes a strategic account.
    current = demo_api.get(f"/api/apps/crm/customer/{customer['id']}").raise_for_status().json()
    demo_api.patch(
        f"/api/apps/crm/customer/{customer['id']}",
        json={"level": VIP, "version": current["version"]},
    ).raise_for_status()

    # The manager's page, never reloaded, picks the notification up on its poll.
    expect(bell).not_to_have_attribute("data-unread", str(before), timeout=BELL_POLL_MS)
    assert int(bell.get_attribute("data-unread") or 0) > before
    bell.click()
    expect(manager_page.get_by_test_id("notification-list")).to_contain_text(title)
