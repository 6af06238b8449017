"""Messages name things as the reader knows them, in zh-CN and en, on SQLite and
PostgreSQL: a record holding a unique value by its title (only when the writer
may read the record and its title), options by their labels, and the shape of
an app definition by catalogued messages at each value's path."""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.platform import Platform
from engine.accounts.users import create_user, grant_role
from tests.conftest import login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
BASE = "/api/apps/names"


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


APP: dict[str, Any] = {
    "key": "names",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "label": _label("客户", "Customer"),
            "title_field": "name",
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "unique": True,
                    "label": _label("客户名称", "Customer name"),
                },
                {"key": "code", "type": "text", "unique": True, "label": _label("编号", "Code")},
                {"key": "owner", "type": "user", "default": "=CURRENT_USER()"},
                {
                    "key": "stage",
                    "type": "select",
                    "label": _label("阶段", "Stage"),
                    "options": [
                        {"value": "new", "label": _label("新客户", "New")},
                        {"value": "won", "label": _label("已成交", "Won")},
                    ],
                },
            ],
        }
    ],
    "roles": [
        {
            # Reads and changes only their own customers.
            "key": "rep",
            "permissions": {
                "customer": {"read": "own", "create": True, "update": "own", "delete": "own"}
            },
        },
        {
            # Reads every customer, but not the name: the title is hidden from them.
            "key": "clerk",
            "permissions": {
                "customer": {
                    "read": "all",
                    "create": True,
                    "update": "all",
                    "delete": False,
                    "fields": {"name": "hidden"},
                }
            },
        },
    ],
}


@dataclass
class Names:
    client: TestClient
    tenant: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def call(
        self, who: str, method: str, path: str, lang: dict[str, str], **kwargs: Any
    ) -> httpx.Response:
        if who not in self.headers:
            self.headers[who] = login(self.client, self.tenant, who)
        response: httpx.Response = self.client.request(
            method, BASE + path, headers={**self.headers[who], **lang}, **kwargs
        )
        return response

    def create(self, who: str, **values: Any) -> dict[str, Any]:
        response = self.call(who, "POST", "/customer", EN, json=values)
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
def names(client: TestClient, auth: dict[str, str], platform: Platform, tenant: str) -> Names:
    response = client.post("/api/apps", json=copy.deepcopy(APP), headers=auth)
    assert response.status_code == 201, response.text
    with platform.store.write(tenant) as conn:
        rep = conn.exec_driver_sql("SELECT id FROM users WHERE username = 'rep'").scalar_one()
        grant_role(conn, rep, "names", "rep")
        rep2 = create_user(conn, platform.passwords, "rep2", "pw", "Rep 2")
        grant_role(conn, rep2.id, "names", "rep")
        clerk = create_user(conn, platform.passwords, "clerk", "pw", "Clerk")
        grant_role(conn, clerk.id, "names", "clerk")
    return Names(client, tenant, {"admin": auth})


def messages(response: httpx.Response, status: int = 422) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


TAKEN_ZH = "客户名称：不能重复：已有其他记录使用此值"
TAKEN_EN = "Customer name: must be unique: another record already has this value"


def test_a_duplicate_is_named_by_its_title_for_a_writer_who_reads_it(names: Names) -> None:
    acme = names.create("rep", name="Acme", code="C-1")
    for who in ("rep", "admin"):
        zh = names.call(who, "POST", "/customer", ZH, json={"name": "Acme"})
        assert messages(zh) == [("name", "客户名称：不能重复：客户「Acme」已使用此值")], who
        en = names.call(who, "POST", "/customer", EN, json={"name": "Acme"})
        assert messages(en) == [
            ("name", "Customer name: must be unique: customer 'Acme' already has this value")
        ]
        assert f"#{acme['id']}" not in en.text
    # The code's holder is named by its title too, not by the code.
    code = names.call("rep", "POST", "/customer", EN, json={"name": "Other", "code": "C-1"})
    assert messages(code) == [
        ("code", "Code: must be unique: customer 'Acme' already has this value")
    ]
    # Update, bulk create and bulk edit name it the same way.
    mine = names.create("rep", name="Mine")
    renamed = names.call(
        "rep", "PATCH", f"/customer/{mine['id']}", ZH, json={"version": 1, "name": "Acme"}
    )
    assert messages(renamed) == [("name", "客户名称：不能重复：客户「Acme」已使用此值")]
    bulk = names.call("rep", "POST", "/customer/bulk", EN, json=[{"name": "B"}, {"name": "Acme"}])
    assert messages(bulk) == [
        ("[1].name", "Customer name: must be unique: customer 'Acme' already has this value")
    ]
    edited = names.call(
        "rep",
        "POST",
        "/customer/bulk-update",
        ZH,
        json={"ids": [mine["id"]], "values": {"code": "C-1"}},
    )
    assert edited.status_code == 422, edited.text
    (failure,) = edited.json()["failures"]
    assert [(e["field"], e["message"]) for e in failure["errors"]] == [
        ("code", "编号：不能重复：客户「Acme」已使用此值")
    ]


def test_a_duplicate_in_the_recycle_bin_is_named_by_its_title(names: Names) -> None:
    old = names.create("rep", name="Old")
    assert names.call("rep", "DELETE", f"/customer/{old['id']}", EN).status_code == 204
    zh = names.call("rep", "POST", "/customer", ZH, json={"name": "Old"})
    assert messages(zh) == [("name", "客户名称：不能重复：回收站中的客户「Old」已使用此值")]
    en = names.call("rep", "POST", "/customer", EN, json={"name": "Old"})
    assert messages(en) == [
        (
            "name",
            "Customer name: must be unique: customer 'Old' (in the recycle bin) "
            "already has this value",
        )
    ]


def test_a_record_out_of_sight_is_neither_named_nor_numbered(names: Names) -> None:
    theirs = names.create("rep", name="Acme", code="C-1")
    for lang, text in [(ZH, TAKEN_ZH), (EN, TAKEN_EN)]:
        refused = names.call("rep2", "POST", "/customer", lang, json={"name": "Acme"})
        assert messages(refused) == [("name", text)]
        assert f"#{theirs['id']}" not in refused.text
        assert "「" not in refused.text and "'Acme'" not in refused.text
    # Not by its code either: the code's holder is "another record" too.
    code = names.call("rep2", "POST", "/customer", EN, json={"name": "New", "code": "C-1"})
    assert messages(code) == [
        ("code", "Code: must be unique: another record already has this value")
    ]
    assert "Acme" not in code.text
    mine = names.create("rep2", name="Mine")
    renamed = names.call(
        "rep2", "PATCH", f"/customer/{mine['id']}", ZH, json={"version": 1, "name": "Acme"}
    )
    assert messages(renamed) == [("name", TAKEN_ZH)]


def test_a_hidden_title_is_not_said_even_of_a_readable_record(names: Names) -> None:
    acme = names.create("admin", name="Acme", code="C-1")
    # The clerk reads every customer, but not its name: the holder of the code
    # is "another record", without the name and without the id.
    refused = names.call("clerk", "POST", "/customer", EN, json={"code": "C-1"})
    assert messages(refused) == [
        ("code", "Code: must be unique: another record already has this value")
    ]
    assert "Acme" not in refused.text and f"#{acme['id']}" not in refused.text
    # The administrator, who reads the name, is told it.
    told = names.call("admin", "POST", "/customer", EN, json={"code": "C-1"})
    assert messages(told) == [
        ("code", "Code: must be unique: customer 'Acme' already has this value")
    ]


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_imported_row_names_the_holder_as_its_importer_may(names: Names) -> None:
    names.create("rep", name="Acme")
    content = _xlsx([["客户名称"], ["Fresh"], ["Acme"]])
    files = {"file": ("customers.xlsx", content)}
    mine = names.call("rep", "POST", "/customer/import", ZH, files=files)
    assert messages(mine) == [
        ("rows[3].name", "第3行「客户名称」：不能重复：客户「Acme」已使用此值")
    ]
    files = {"file": ("customers.xlsx", content)}
    theirs = names.call("rep2", "POST", "/customer/import", ZH, files=files)
    assert messages(theirs) == [
        ("rows[3].name", "第3行「客户名称」：不能重复：已有其他记录使用此值")
    ]


def test_a_bad_option_lists_the_options_by_their_labels(names: Names) -> None:
    zh = names.call("rep", "POST", "/customer", ZH, json={"name": "A", "stage": "lost"})
    assert messages(zh) == [("stage", "阶段：'lost' 不是可选项（可选：新客户、已成交）")]
    en = names.call("rep", "POST", "/customer", EN, json={"name": "A", "stage": "lost"})
    assert messages(en) == [("stage", "Stage: 'lost' is not an option (allowed: New, Won)")]
    # A filter's value too.
    listed = names.call("rep", "GET", "/customer", ZH, params={"stage": "lost"})
    assert messages(listed) == [("stage", "阶段：'lost' 不是可选项（可选：新客户、已成交）")]


BROKEN: dict[str, Any] = {
    "key": "broken",
    "version": "1.0.0",
    "entities": [
        {
            "key": "thing",
            "fields": [
                {"key": "name", "type": 5},  # a type that is no text
                {"type": "text"},  # no key
                {"key": "kind", "type": "nope"},  # no such field type
                {"key": "pick", "type": "select", "options": []},  # too few options
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [{"key": "qty", "type": "number", "min": "x"}],  # min no number
                },
            ],
        }
    ],
    "views": [{"key": "v", "entity": "thing", "type": "grid"}],  # no such view type
}


def test_a_definition_of_the_wrong_shape_is_told_in_the_readers_language(
    client: TestClient, auth: dict[str, str]
) -> None:
    zh = client.post("/api/apps", json=BROKEN, headers={**auth, **ZH})
    assert zh.status_code == 422, zh.text
    assert zh.json()["detail"] == "应用定义有误"
    assert messages(zh) == [
        ("$.entities[0].fields[0].type", "必须是文本"),
        ("$.entities[0].fields[1].key", "必填"),
        ("$.views[0].type", "必须是以下之一：'table', 'kanban'"),
    ]
    en = client.post("/api/apps", json=BROKEN, headers={**auth, **EN})
    assert messages(en) == [
        ("$.entities[0].fields[0].type", "must be text"),
        ("$.entities[0].fields[1].key", "is required"),
        ("$.views[0].type", "must be one of: 'table', 'kanban'"),
    ]
    # Once the shape is sound, each field's type and options are checked.
    sound = copy.deepcopy(BROKEN)
    sound["entities"][0]["fields"][:2] = [{"key": "name", "type": "text"}]
    del sound["views"]
    zh = client.post("/api/apps", json=sound, headers={**auth, **ZH})
    found = dict(messages(zh))
    assert found["$.entities[0].fields[1].type"].startswith(
        "字段类型 'nope' 不存在；可用：address,"
    )
    assert found["$.entities[0].fields[2].options"] == "至少 1 项"
    assert found["$.entities[0].fields[3].fields[0].min"] == "必须是数字"
    en = client.post("/api/apps", json=sound, headers={**auth, **EN})
    found = dict(messages(en))
    assert found["$.entities[0].fields[1].type"].startswith("unknown field type 'nope'; known:")
    assert found["$.entities[0].fields[2].options"] == "must have at least 1 items"
    assert found["$.entities[0].fields[3].fields[0].min"] == "must be a number"
