"""problem+json in the reader's language at the edges: filters, aggregates,
query parameters, answers the middlewares give before any route (413, 401,
429, 404), and a rule whose effect fails, each naming fields and rules by
their labels in zh-CN and en, with ``errors[].field`` keeping the key."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.platform import Platform
from tests.conftest import login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
BASE = "/api/apps/shop"


def _select(*values: str) -> list[dict[str, str]]:
    return [{"value": v} for v in values]


FLAG_BIG: dict[str, Any] = {
    "key": "flag_big",
    "label": {"zh-CN": "大单标记", "en": "Flag big deals"},
    "entity": "deal",
    "trigger": {"on": "created"},
    "when": "amount > 100",
    # "big-…" is no option of stage: the effect fails, and so does the write.
    "effects": [{"type": "set_fields", "values": {"stage": "=CONCAT('big-', title)"}}],
}
PARSE_AMOUNT: dict[str, Any] = {
    "key": "parse_amount",
    "label": {"zh-CN": "解析金额", "en": "Parse amount"},
    "entity": "deal",
    "trigger": {"on": "field_changed", "fields": ["title"]},
    # A title that is no number fails the formula when the rule runs.
    "effects": [{"type": "set_fields", "values": {"amount": "=VALUE(title)"}}],
}
SHOP: dict[str, Any] = {
    "key": "shop",
    "version": "1.0.0",
    "entities": [
        {
            "key": "deal",
            "label": {"zh-CN": "商机", "en": "Deal"},
            "title_field": "title",
            "fields": [
                {"key": "title", "type": "text", "label": {"zh-CN": "标题", "en": "Title"}},
                {"key": "amount", "type": "number", "label": {"zh-CN": "金额", "en": "Amount"}},
                {
                    "key": "stage",
                    "type": "select",
                    "label": {"zh-CN": "阶段", "en": "Stage"},
                    "options": _select("new", "won"),
                },
            ],
        }
    ],
    "rules": [FLAG_BIG, PARSE_AMOUNT],
}


@pytest.fixture
def shop(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/apps", json=SHOP, headers=auth)
    assert response.status_code == 201, response.text
    return "shop"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    answer: dict[str, Any] = response.json()
    return answer


def errors_of(body: dict[str, Any]) -> dict[str, str]:
    return {error["field"]: error["message"] for error in body["errors"]}


def listed(
    client: TestClient, auth: dict[str, str], lang: dict[str, str], **params: Any
) -> dict[str, Any]:
    answer = client.get(f"{BASE}/deal", params=params, headers={**auth, **lang})
    return problem(answer, 422)


def test_a_bad_filter_names_the_field_by_its_label(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    tree = {
        "and": [
            {"field": "nope", "op": "eq", "value": 1},
            {"field": "title", "op": "gt", "value": "a"},
            {"field": "amount", "op": "eq", "value": "lots"},
        ]
    }
    zh = listed(client, auth, ZH, filter=json.dumps(tree))
    # A bad query is a bad request, not a bad record: nothing was being saved.
    assert (zh["title"], zh["detail"]) == ("填写有误", "请求内容有误")
    assert errors_of(zh) == {
        "filter.and[0].field": "商机没有字段“nope”",
        "filter.and[1].op": "标题（单行文本）不能使用“gt”；可用：eq, ne, in, not_in, contains, "
        "starts_with, is_empty",
        "filter.and[2].value": "金额：必须是数字",
    }
    en = listed(client, auth, EN, filter=json.dumps(tree))
    assert en["detail"] == "the request is not valid"
    assert errors_of(en) == {
        "filter.and[0].field": "Deal has no field 'nope'",
        "filter.and[1].op": "gt cannot be used on Title (text); use one of: eq, ne, in, not_in, "
        "contains, starts_with, is_empty",
        "filter.and[2].value": "Amount: must be a number",
    }
    # The value error carries the label; the key stays the machine's.
    (value_error,) = [e for e in en["errors"] if e["field"] == "filter.and[2].value"]
    assert value_error["label"] == "Amount"
    # An unknown view names the entity by its label, not by its key.
    assert errors_of(listed(client, auth, ZH, view="nope"))["view"].startswith(
        "商机没有视图 'nope'"
    )
    # A query parameter is named the same way.
    zh = listed(client, auth, ZH, stage="lost")
    assert errors_of(zh) == {"stage": "阶段：'lost' 不是可选项（可选：new、won）"}


def test_a_bad_aggregate_in_both_languages(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    url = f"{BASE}/deal/aggregate"
    params = {"group_by": "title", "measures": "sum:stage"}
    zh = problem(client.get(url, params=params, headers={**auth, **ZH}), 422)
    assert zh["detail"] == "请求内容有误"
    messages = errors_of(zh)
    assert messages["group_by"].startswith("不能按“title”分组：标题（单行文本）的取值太多")
    assert messages["measures"].startswith("“sum:stage”：sum 只适用于")
    assert messages["measures"].endswith("不适用于阶段（单选）")
    en = problem(client.get(url, params=params, headers={**auth, **EN}), 422)
    assert errors_of(en)["group_by"].startswith(
        "cannot group by 'title': Title (text) has too many distinct values"
    )
    assert errors_of(en)["measures"].endswith("not to Stage (select)")


def test_a_query_parameter_of_the_wrong_type(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    url = "/api/deliveries"
    zh = problem(client.get(f"{url}?page=abc", headers={**auth, **ZH}), 422)
    assert (zh["title"], zh["detail"]) == ("填写有误", "请求内容有误")
    assert zh["errors"] == [{"field": "page", "label": "page", "message": "page：必须是整数"}]
    en = problem(client.get(f"{url}?page=abc", headers={**auth, **EN}), 422)
    assert en["errors"][0]["message"] == "page: must be an integer"
    # A program that names no language reads the bare message and the key.
    bare = problem(client.get(f"{url}?page=0&status=gone", headers=auth), 422)
    assert bare["errors"] == [
        {"field": "status", "message": "must be one of: 'queued', 'sent', 'retrying' or 'failed'"},
        {"field": "page", "message": "must be at least 1"},
    ]
    # The list of records reads its own paging parameters, in the same words.
    records = problem(client.get(f"{BASE}/deal?page=abc", headers={**auth, **ZH}), 422)
    assert records["errors"][0]["message"] == "page：必须是整数"


def test_a_repeated_id_and_a_broken_form_body_in_both_languages(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    repeated = {"ids": [1, 1], "values": {"amount": 1}}
    zh = problem(
        client.post(f"{BASE}/deal/bulk-update", json=repeated, headers={**auth, **ZH}), 422
    )
    assert zh["errors"] == [{"field": "ids", "label": "ids", "message": "ids：不能重复同一个 ID"}]
    en = problem(
        client.post(f"{BASE}/deal/bulk-update", json=repeated, headers={**auth, **EN}), 422
    )
    assert en["errors"][0]["message"] == "ids: must not repeat an id"
    # JSON that does not parse is the body's fault, not that of its character offset.
    json_header = {"Content-Type": "application/json"}
    broken_json = client.post("/api/auth/login", content=b"{", headers={**ZH, **json_header})
    assert problem(broken_json, 422)["errors"] == [
        {"field": "body", "label": "body", "message": "body：不是有效的 JSON"}
    ]
    # A multipart body Starlette cannot parse: its own English is not passed on.
    broken = {"Content-Type": "multipart/form-data; boundary=zz"}
    for lang, text in (
        (ZH, "请求内容不是有效的 multipart 表单数据"),
        (EN, "the request body is not valid multipart form data"),
    ):
        answer = client.post(
            f"{BASE}/deal/import", content=b"xx", headers={**auth, **lang, **broken}
        )
        assert problem(answer, 400)["detail"] == text


def test_a_route_that_does_not_exist_and_a_bad_token(
    client: TestClient, auth: dict[str, str]
) -> None:
    zh = problem(client.get("/api/nowhere", headers={**auth, **ZH}), 404)
    assert (zh["title"], zh["detail"]) == ("不存在", "请求的地址不存在")
    en = problem(client.get("/api/nowhere", headers={**auth, **EN}), 404)
    assert en["detail"] == "there is no such path"
    forged = {"Authorization": "Bearer not-a-token", **ZH}
    zh = problem(client.get("/api/me", headers=forged), 401)
    assert (zh["title"], zh["detail"]) == ("未登录", "登录凭证无效或已过期，请重新登录")
    assert client.get("/api/me", headers={**forged, **EN}).json()["detail"] == (
        "the token is invalid or expired"
    )
    anonymous = problem(client.get("/api/me", headers=ZH), 401)
    assert anonymous["detail"].startswith("未登录：请先登录")


def _edge_client(platform: Platform, **settings: Any) -> TestClient:
    changed = dataclasses.replace(platform.settings, **settings)
    return TestClient(create_app(changed, platform), raise_server_exceptions=False)


def test_an_over_large_body_and_a_rate_limit_answer_in_chinese(
    platform: Platform, tenant: str
) -> None:
    client = _edge_client(platform, max_json_kb=1, rate_user_per_second=0.01, rate_user_burst=3)
    admin = login(client, tenant, "admin")
    big = json.dumps({"name": "x" * 4096})
    sent = {**admin, **ZH, "Content-Type": "application/json"}
    too_large = problem(client.post("/api/auth/login", content=big, headers=sent), 413)
    assert too_large["title"] == "内容过大"
    assert too_large["detail"] == "JSON 请求内容最多 1 KiB"
    assert too_large["errors"] == [{"field": "body", "message": "最多 1 KiB"}]
    statuses = [client.get("/api/me", headers={**admin, **ZH}) for _ in range(4)]
    limited = problem(statuses[-1], 429)
    assert (limited["title"], limited["detail"]) == (
        "请求过于频繁",
        "此用户请求过于频繁，请稍后重试",
    )
    assert statuses[-1].headers["Retry-After"]
    english = problem(client.get("/api/me", headers={**admin, **EN}), 429)
    assert english["detail"] == "too many requests from this user; retry later"


def test_a_failing_rule_is_named_by_its_label(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    deal = {"title": "Mega", "amount": 500}
    zh = problem(client.post(f"{BASE}/deal", json=deal, headers={**auth, **ZH}), 422)
    assert zh["detail"] == "规则 “大单标记” 的动作 #0（set_fields）失败：记录填写有误"
    assert zh["rule"] == "flag_big"
    assert zh["errors"][0]["field"] == "stage"
    assert zh["errors"][0]["message"].startswith("阶段：'big-Mega' 不是可选项")
    en = problem(client.post(f"{BASE}/deal", json=deal, headers={**auth, **EN}), 422)
    assert en["detail"] == (
        "rule 'Flag big deals', effect 0 (set_fields) failed: the record is not valid"
    )
    assert en["errors"][0]["message"].startswith("Stage: 'big-Mega' is not an option")


def test_a_formula_that_fails_in_a_rule_says_why_in_both_languages(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    created = client.post(f"{BASE}/deal", json={"title": "1", "amount": 5}, headers=auth)
    assert created.status_code == 201, created.text
    url = f"{BASE}/deal/{created.json()['id']}"
    sent = {"title": "lots", "version": 1}
    zh = problem(client.patch(url, json=sent, headers={**auth, **ZH}), 422)
    assert (
        zh["detail"]
        == "规则 “解析金额” 的动作 #0（set_fields）失败：amount：VALUE：'lots' 不是数字"
    )
    en = problem(client.patch(url, json=sent, headers={**auth, **EN}), 422)
    assert en["detail"] == (
        "rule 'Parse amount', effect 0 (set_fields) failed: amount: VALUE: 'lots' is not a number"
    )
