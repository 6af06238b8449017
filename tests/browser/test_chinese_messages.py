"""The server's refusals reach a Chinese reader in Chinese, naming the field by
its label: a duplicate customer name on the form, and a pipeline move the
rules refuse (a lost deal needs its reason) on a phone's kanban."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

REP = "rep1"


def speak_chinese(page: Page) -> None:
    page.get_by_test_id("language-switch").get_by_text("中文").click()
    expect(page.get_by_test_id("language-switch")).to_be_visible()


def test_a_duplicate_name_is_refused_in_chinese_under_its_field(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    taken = f"重名测试 {uuid.uuid4().hex[:8]}"
    rep_api.post("/api/apps/crm/customer", json={"name": taken}).raise_for_status()

    sign_in(page, live_server, REP)
    speak_chinese(page)
    page.goto(f"{live_server}/apps/crm/customer/new")
    expect(page.get_by_test_id("form-title")).to_have_text("客户 · 新建")
    name = page.get_by_label("客户名称", exact=True)
    name.fill(taken)
    # Only the server knows the name is taken: its 422 is what the form shows.
    with page.expect_response(
        lambda answer: (
            answer.request.method == "POST" and answer.url.endswith("/api/apps/crm/customer")
        )
    ) as refused:
        page.get_by_test_id("save-record").click()
    assert refused.value.status == 422
    problem = refused.value.json()
    assert problem["errors"][0]["field"] == "name"
    assert problem["errors"][0]["message"].startswith("客户名称：不能重复")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("field-name")).to_contain_text("不能重复")
    expect(page).to_have_url(re.compile(r"/apps/crm/customer/new"))


def test_a_refused_pipeline_move_names_the_missing_field_in_chinese(
    phone: Page, live_server: str, rep_api: httpx.Client
) -> None:
    page = phone
    customer = rep_api.post(
        "/api/apps/crm/customer", json={"name": f"输单测试 {uuid.uuid4().hex[:8]}"}
    )
    deal = rep_api.post(
        "/api/apps/crm/opportunity",
        json={"name": "输单商机", "customer": customer.raise_for_status().json()["id"]},
    )
    deal_id = deal.raise_for_status().json()["id"]

    sign_in(page, live_server, REP)
    speak_chinese(page)
    page.goto(f"{live_server}/apps/crm/opportunity?view=pipeline")
    # The board settled with the card in place: a tap before it lands on whatever was there.
    card = page.get_by_test_id("kanban-column-initial").get_by_test_id(f"kanban-card-{deal_id}")
    expect(card).to_contain_text("输单商机")
    expect(card).to_be_in_viewport()
    page.get_by_test_id(f"card-move-{deal_id}").click()
    lost = page.get_by_test_id("move-to-lost")
    expect(lost).to_be_visible()
    lost.click()
    errors = page.get_by_test_id("move-errors")
    expect(errors).to_contain_text("输单原因")
    expect(errors).to_contain_text("必填")
    stored = rep_api.get(f"/api/apps/crm/opportunity/{deal_id}").raise_for_status().json()
    assert stored["stage"] != "lost"
