"""Fixtures of the browser tests: Debian's chromium driven by Playwright.

Never `playwright install`: the browser is the system's `/usr/bin/chromium`.
A failing test leaves a screenshot of its page, named in the failure report.
The server under test comes from the `live_server` fixture (tests/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: How long a step or an assertion may wait. Generous: the suite runs two
#: workers beside PostgreSQL on 2 cores, and a page's first load can take
#: seconds there; a passing test never waits for it.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)
DEMO_LOGIN = {"tenant": "demo", "username": "admin", "password": "demo"}
#: A phone's screen (an iPhone 12-15's CSS pixels): the phone layout's test size.
PHONE: ViewportSize = {"width": 390, "height": 844}
# Every context asks for reduced motion, which the app honours (antd's
# animations off): a click then never lands on a menu still sliding in. The
# helpers in widgets.py still retry a lost pick, for re-renders.
#: The CRM demo's sales rep.
REP = "rep1"


@pytest.fixture(scope="session")
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
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", reduced_motion="reduce"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a phone's screen, with touch."""
    context = browser.new_context(
        viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True, reduced_motion="reduce"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed browser test, screenshot its page and name the file in the report."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    page = funcargs.get("page") or funcargs.get("phone")
    directory = getattr(item, "funcargs", {}).get("tmp_path")
    if report.when == "call" and report.failed and isinstance(page, Page) and directory:
        path = Path(directory) / "failure.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            report.sections.append(("screenshot", f"the page at failure: {path}"))
        except Exception as error:  # the page itself may be what broke
            report.sections.append(("screenshot", f"none: {error}"))
    return report


def sign_in(page: Page, base_url: str, username: str = DEMO_LOGIN["username"]) -> None:
    """Sign in to the demo (as admin unless told), switching the UI to English on the way."""
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_test_id("language-switch").get_by_text("English").click()
    expect(page.get_by_label("Tenant")).to_have_value("demo")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_LOGIN["password"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


@pytest.fixture
def signed_in(page: Page, live_server: str) -> Page:
    """The page, signed in to the demo as admin, in English."""
    sign_in(page, live_server)
    return page


@pytest.fixture
def demo_api(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live server, signed in to the demo as admin: for seeding data."""
    with httpx.Client(base_url=live_server, timeout=10) as client:
        token = client.post("/api/auth/login", json=DEMO_LOGIN).raise_for_status().json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client


@pytest.fixture
def rep_api(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live server signed in as the rep: for seeding and checking data."""
    with httpx.Client(base_url=live_server, timeout=10) as client:
        login = {**DEMO_LOGIN, "username": REP}
        token = client.post("/api/auth/login", json=login).raise_for_status().json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client
