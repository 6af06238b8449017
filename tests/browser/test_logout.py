"""End to end: the session lives in the tab, and logging out ends it on the server."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

TOKEN_KEY = "formwork.token"


def test_log_out_revokes_the_session_on_the_server(page: Page, live_server: str) -> None:
    sign_in(page, live_server)
    assert page.evaluate(f"localStorage.getItem('{TOKEN_KEY}')") is None  # not kept past the tab
    token = page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')")
    assert token
    me = httpx.get(f"{live_server}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    page.reload()  # a reload keeps the tab's session
    expect(page.get_by_test_id("current-user")).to_be_visible()

    page.get_by_role("button", name=re.compile("Log out")).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    after = httpx.get(f"{live_server}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401  # a copied token is dead too
