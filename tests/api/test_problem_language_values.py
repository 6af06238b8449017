"""Field values, imports and action refusals answer in the reader's language, on
SQLite and PostgreSQL: ``Accept-Language`` picks zh-CN or en, a message names the
field by its label, and ``errors[].field`` keeps the key a program reads."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.platform import Platform
from tests.api.test_actions import BASE as SALES
from tests.api.test_actions import Api

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
BASE = "/api/apps/msgs"


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


APP: dict[str, Any] = {
    "key": "msgs",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "label": _label("客户", "Customer"),
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "label": _label("客户名称", "Customer name")},
            ],
        },
        {
            "key": "quote",
            "label": _label("报价单", "Quote"),
            "title_field": "title",
            "fields": [
                {
                    "key": "title",
                    "type": "text",
                    "label": _label("标题", "Title"),
                    "max_length": 10,
                },
                {"key": "amount", "type": "number", "label": _label("金额", "Amount")},
                {"key": "due", "type": "date", "label": _label("到期日", "Due date")},
                {"key": "email", "type": "email", "label": _label("邮箱", "Email")},
                {
                    "key": "customer",
                    "type": "link",
                    "target": "customer",
                    "label": _label("客户", "Customer"),
                },
                {"key": "owner", "type": "user", "label": _label("负责人", "Owner")},
                {
                    "key": "source",
                    "type": "select",
                    "label": _label("来源", "Source"),
                    "options": [
                        {"value": "web", "label": _label("官网", "Website")},
                        {"value": "fair", "label": _label("展会", "Trade fair")},
                    ],
                },
                {
                    "key": "lines",
                    "type": "subtable",
                    "label": _label("明细", "Lines"),
                    "fields": [
                        {"key": "qty", "type": "number", "label": _label("数量", "Qty"), "min": 1}
                    ],
                },
            ],
        },
    ],
}

#: What each bad value is answered with: (sent, field, Chinese message, English message).
CASES: list[tuple[dict[str, Any], str, str, str]] = [
    ({"amount": "abc"}, "amount", "金额：必须是数字", "Amount: must be a number"),
    (
        {"title": "x" * 11},
        "title",
        "标题：最多 10 个字符（当前 11 个）",
        "Title: must be at most 10 characters (got 11)",
    ),
    (
        {"due": "31/01/2026"},
        "due",
        "到期日：必须是日期，如 2026-01-31",
        "Due date: must be a date like 2026-01-31",
    ),
    (
        {"email": "nope"},
        "email",
        "邮箱：必须是邮箱地址，如 name@example.com",
        "Email: must be an email address like name@example.com",
    ),
    (
        {"customer": 4242},
        "customer",
        "客户：客户 #4242 不存在或无权访问",
        "Customer: there is no customer with id 4242",
    ),
    (
        {"owner": 999999},
        "owner",
        "负责人：用户 #999999 不存在或已停用",
        "Owner: there is no active user with id 999999",
    ),
    (
        {"source": "tv"},
        "source",
        "来源：'tv' 不是可选项（可选：官网、展会）",
        "Source: 'tv' is not an option (allowed: Website, Trade fair)",
    ),
    (
        {"lines": [{"qty": 2}, {"qty": 0}]},
        "lines[1].qty",
        "明细第2行·数量：不能小于 1",
        "Lines row 2 · Qty: must be at least 1",
    ),
    (
        # A key the sub-table does not have is named by that key.
        {"lines": [{"qty": 2, "colour": "red"}]},
        "lines[0].colour",
        "明细第1行·colour：不是此表单的字段",
        "Lines row 1 · colour: is not a field of this form",
    ),
]


@pytest.fixture
def msgs(client: TestClient, auth: dict[str, str]) -> dict[str, str]:
    response = client.post("/api/apps", json=APP, headers=auth)
    assert response.status_code == 201, response.text
    return auth


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_bad_values_are_named_by_their_labels_in_both_languages(
    client: TestClient, msgs: dict[str, str]
) -> None:
    for sent, field, zh, en in CASES:
        for lang, text, detail in [(ZH, zh, "记录填写有误"), (EN, en, "the record is not valid")]:
            response = client.post(f"{BASE}/quote", json=sent, headers={**msgs, **lang})
            body = problem(response, 422)
            assert body["detail"] == detail
            assert [(e["field"], e["message"]) for e in body["errors"]] == [(field, text)], sent
    # Without a language the program reads the bare English it always has.
    bare = problem(client.post(f"{BASE}/quote", json={"amount": "abc"}, headers=msgs), 422)
    assert bare["errors"] == [{"field": "amount", "message": "must be a number"}]


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(
    client: TestClient, headers: dict[str, str], content: bytes, dry_run: bool
) -> httpx.Response:
    answer: httpx.Response = client.post(
        f"{BASE}/quote/import",
        params={"dry_run": "true"} if dry_run else None,
        files={"file": ("quotes.xlsx", content)},
        headers=headers,
    )
    return answer


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry_run", "import"])
def test_import_row_errors_in_both_languages(
    client: TestClient, msgs: dict[str, str], dry_run: bool
) -> None:
    # Row 3's source is no option (read from the cell); row 4's amount no number
    # (checked by the records service): both say where, by row and column.
    zh_file = _xlsx(
        [["标题", "来源", "金额"], ["好", "官网", 1], ["坏", "电视", 2], ["差", "展会", "多"]]
    )
    zh = problem(_import(client, {**msgs, **ZH}, zh_file, dry_run), 422)
    assert zh["detail"] == "文件无法导入：共 2 个问题"
    assert [(e["field"], e["message"]) for e in zh["errors"]] == [
        ("rows[3].source", "第3行「来源」：'电视' 不是可选项（可选：官网、展会）"),
        ("rows[4].amount", "第4行「金额」：必须是数字"),
    ]
    en_file = _xlsx([["Title", "Source", "Amount"], ["ok", "web", 1], ["bad", "tv", 2]])
    en = problem(_import(client, {**msgs, **EN}, en_file, dry_run), 422)
    assert en["detail"] == "the file cannot be imported: 1 problem(s)"
    assert [(e["field"], e["message"]) for e in en["errors"]] == [
        ("rows[3].source", "Row 3, Source: 'tv' is not an option (options: Website, Trade fair)"),
    ]
    assert client.get(f"{BASE}/quote", headers=msgs).json()["total"] == 0  # all or nothing


def test_a_file_problem_names_the_file(client: TestClient, msgs: dict[str, str]) -> None:
    empty = _xlsx([["标题"]])
    zh = problem(_import(client, {**msgs, **ZH}, empty, dry_run=False), 422)
    assert zh["errors"][0]["field"] == "file"
    assert zh["errors"][0]["message"] == "文件：表头下没有数据行"
    en = problem(_import(client, {**msgs, **EN}, empty, dry_run=False), 422)
    assert en["errors"][0]["message"] == "File: has no rows below the headers"


@pytest.fixture
def sales(client: TestClient, platform: Platform, tenant: str) -> Api:
    from tests.engine.actions.sales_app import install_sales

    return Api(client, install_sales(platform, tenant))


def _run(api: Api, who: str, lead: int, action: str, lang: dict[str, str], **kw: Any) -> Any:
    path = f"{SALES}/lead/{lead}/actions/{action}"
    return api.client.post(path, headers={**api.auth(who), **lang}, **kw)


def test_action_refusals_in_both_languages(sales: Api) -> None:
    lead = sales.sales.lead("ACME")
    assert _run(sales, "rep_a", lead, "claim", EN).status_code == 200
    given = _run(sales, "rep_a", lead, "give_back", EN, json={"return_reason": "not_interested"})
    assert given.status_code == 200, given.text
    # Given back today, it may be claimed again by the same rep only days later.
    zh = problem(_run(sales, "rep_a", lead, "claim", ZH), 409)
    assert zh["title"] == "冲突"
    assert zh["detail"].startswith("此lead于 ") and "离开你名下；" in zh["detail"]
    en = problem(_run(sales, "rep_a", lead, "claim", EN), 409)
    assert en["detail"].startswith("this lead left you on ")
    # Someone else takes it: the first rep's claim is refused.
    assert _run(sales, "rep_b", lead, "claim", EN).status_code == 200
    assert problem(_run(sales, "rep_a", lead, "claim", ZH), 409)["detail"] == "此lead已不在公海中"
    assert problem(_run(sales, "rep_a", lead, "claim", EN), 409)["detail"] == (
        "this lead is not in the pool (any more)"
    )
    theirs = problem(_run(sales, "rep_b", lead, "fly", ZH), 404)
    assert theirs["detail"] == "lead没有操作 'fly'"
    assert problem(_run(sales, "rep_b", lead, "fly", EN), 404)["detail"] == (
        "lead has no action 'fly'"
    )
