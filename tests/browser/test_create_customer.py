"""End to end: sign in, open Mini CRM's customers, fail validation, fix it, save.

Drives Debian's chromium through Playwright (never `playwright install`). The
server under test comes from the `live_server` fixture (its base URL).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 5_000
NON_EMPTY = re.compile(r"\S")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        # A failure, not a skip: a skipped browser test would hide a missing install step in CI.
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install chromium (or deselect: -m 'not browser')"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@contextmanager
def screenshot_on_failure(page: Page, directory: Path) -> Iterator[None]:
    try:
        yield
    except BaseException as failure:
        path = directory / "failure.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            failure.add_note(f"screenshot of the page at failure: {path}")
        except Exception as screenshot_error:
            failure.add_note(f"no screenshot: {screenshot_error}")
        raise


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_test_id("language-switch").get_by_text("English").click()
    expect(page.get_by_label("Tenant")).to_have_value("demo")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("demo")
    page.get_by_test_id("login-submit").click()


def test_create_customer_shows_field_errors_then_saves(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    name = f"Browser Test Co {uuid.uuid4().hex[:8]}"
    with screenshot_on_failure(page, tmp_path):
        sign_in(page, live_server)

        page.get_by_test_id("app-card-mini_crm").click()
        expect(page.get_by_test_id("app-title")).to_have_text("Mini CRM")
        page.get_by_test_id("entity-menu").get_by_text("Customer", exact=True).click()
        expect(page.get_by_test_id("entity-title")).to_have_text("Customer")
        expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer"))

        page.get_by_test_id("new-record").click()
        expect(page.get_by_test_id("form-title")).to_contain_text("New")
        page.get_by_label("Email", exact=True).fill("not-an-email")
        page.get_by_test_id("save-record").click()

        # The server's messages are shown under the fields and announced as their descriptions.
        name_input = page.get_by_label("Name", exact=True)
        email_input = page.get_by_label("Email", exact=True)
        for field_input in (name_input, email_input):
            expect(field_input).to_have_attribute("aria-invalid", "true")
            expect(field_input).to_have_accessible_description(NON_EMPTY)

        name_input.fill(name)
        email_input.fill("buyer@example.com")
        page.get_by_test_id("save-record").click()

        expect(page).to_have_url(re.compile(r"/apps/mini_crm/customer(\?.*)?$"))
        table = page.get_by_test_id("record-table")
        expect(table.get_by_role("row").filter(has_text=name)).to_be_visible()
