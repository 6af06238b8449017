"""problem+json in the reader's language: ``Accept-Language`` picks zh-CN or en,
messages name fields by their labels, ``errors[].field`` keeps the key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from tests.api.test_actions import BASE, Api

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def api(client: TestClient, platform: Platform, tenant: str) -> Api:
    from tests.engine.actions.sales_app import install_sales

    return Api(client, install_sales(platform, tenant))


def call(
    api: Api, who: str, method: str, path: str, lang: dict[str, str], **kw: Any
) -> httpx.Response:
    answer: httpx.Response = api.client.request(
        method, BASE + path, headers={**api.auth(who), **lang}, **kw
    )
    return answer


def body(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    answer: dict[str, Any] = response.json()
    return answer


def test_a_required_field_on_create_is_named_by_its_label(api: Api) -> None:
    zh = body(call(api, "rep_a", "POST", "/lead", ZH, json={}), 422)
    assert zh["title"] == "填写有误" and zh["detail"] == "记录填写有误"
    # The sales app's fields have no labels: the key stands in for one.
    assert zh["errors"] == [{"field": "company", "label": "company", "message": "company：必填"}]
    en = body(call(api, "rep_a", "POST", "/lead", EN, json={}), 422)
    assert en["errors"] == [
        {"field": "company", "label": "company", "message": "company: is required"}
    ]
    # A program that names no language reads the bare message it always has.
    bare = body(api.client.post(f"{BASE}/lead", json={}, headers=api.auth("rep_a")), 422)
    assert bare["errors"][0]["message"] == "is required"
    assert bare["title"] == "Invalid input"


def test_an_invalid_option_and_a_kanban_patch_missing_a_required_field(api: Api) -> None:
    sent = {"company": "ACME", "industry": "mining"}
    zh = body(call(api, "rep_a", "POST", "/lead", ZH, json=sent), 422)
    assert zh["errors"][0]["field"] == "industry"
    assert zh["errors"][0]["message"].startswith("industry：'mining' 不是可选项")
    en = body(call(api, "rep_a", "POST", "/lead", EN, json=sent), 422)
    assert en["errors"][0]["message"].startswith("industry: 'mining' is not an option")
    lead = api.sales.lead("Mine", owner=api.sales.ids["rep_a"])
    moved = call(api, "rep_a", "PATCH", f"/lead/{lead}", ZH, json={"version": 1, "company": ""})
    assert body(moved, 422)["errors"] == [
        {"field": "company", "label": "company", "message": "company：必填"}
    ]


def test_a_unique_conflict_and_a_stale_version(api: Api) -> None:
    assert call(api, "rep_a", "POST", "/customer", ZH, json={"name": "Acme"}).status_code == 201
    taken = body(call(api, "rep_a", "POST", "/customer", ZH, json={"name": "Acme"}), 422)
    assert taken["errors"][0]["field"] == "name"
    assert taken["errors"][0]["message"].startswith("name：不能重复")
    lead = api.sales.lead("Mine", owner=api.sales.ids["rep_a"])
    changed = {
        "version": 1,
        "company": "Mine, renamed",
    }  # a PATCH changing nothing moves no version
    assert call(api, "rep_a", "PATCH", f"/lead/{lead}", ZH, json=changed).status_code == 200
    for lang, text in [(ZH, "记录已被他人修改"), (EN, "the record was changed by someone else")]:
        stale = body(call(api, "rep_a", "PATCH", f"/lead/{lead}", lang, json={"version": 1}), 409)
        assert stale["detail"].startswith(text) and stale["current_version"] == 2


def test_out_of_scope_and_missing_records_say_the_same(api: Api) -> None:
    theirs = api.sales.lead("Theirs", owner=api.sales.ids["rep_b"])
    for lang, text in [
        (ZH, "lead：不存在或无权访问"),
        (EN, "lead: does not exist or you may not see it"),
    ]:
        hidden = body(call(api, "rep_a", "GET", f"/lead/{theirs}", lang), 404)
        missing = body(call(api, "rep_a", "GET", "/lead/999999", lang), 404)
        assert hidden["detail"] == missing["detail"] == text
        assert str(theirs) not in hidden["detail"]


def test_an_action_refused_in_both_languages(api: Api) -> None:
    lead = api.sales.lead("Mine", owner=api.sales.ids["rep_a"])
    path = f"/lead/{lead}/actions/claim"
    zh = body(call(api, "rep_a", "POST", path, ZH), 409)
    assert zh["title"] == "冲突" and zh["detail"] == "此lead已经是你的，不在公海中"
    en = body(call(api, "rep_a", "POST", path, EN), 409)
    assert en["detail"] == "this lead is yours already, not in the pool"
