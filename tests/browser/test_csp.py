"""The web app runs under its Content-Security-Policy without a single violation."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

#: Registered before any page script runs: every violation the browser reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def test_crm_list_and_form_run_under_the_policy(page: Page, live_server: str) -> None:
    policy = httpx.get(f"{live_server}/").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    console: list[str] = []

    def remember(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            console.append(message.text)

    page.on("console", remember)
    page.add_init_script(RECORD_VIOLATIONS)

    sign_in(page, live_server)
    page.get_by_test_id("app-card-crm").click()
    page.get_by_test_id("entity-menu").get_by_text("Customer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/apps/crm/customer"))
    rows = page.get_by_test_id("record-table").locator("tbody tr.ant-table-row")
    expect(rows.first).to_be_visible()
    rows.first.click()
    expect(page.get_by_test_id("record-title")).to_be_visible()
    page.get_by_test_id("edit-record").click()
    expect(page.get_by_test_id("form-title")).to_be_visible()
    page.go_back()
    page.go_back()
    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_contain_text("New")

    violations = page.evaluate("window.__cspViolations")
    assert violations == []
    assert [text for text in console if "Content Security Policy" in text] == []
