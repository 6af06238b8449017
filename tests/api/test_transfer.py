"""Spreadsheet export and import through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from api.platform import Platform
from engine.accounts.users import create_user, grant_role
from engine.forms.transfer import export as export_module
from tests.conftest import login

BASE = "/api/apps/mini_crm"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _import(
    client: TestClient,
    headers: dict[str, str],
    entity: str,
    content: bytes,
    name: str = "data.xlsx",
    dry_run: bool = False,
) -> Any:
    return client.post(
        f"{BASE}/{entity}/import",
        params={"dry_run": "true"} if dry_run else None,
        files={"file": (name, content)},
        headers=headers,
    )


def _items(client: TestClient, headers: dict[str, str], entity: str) -> list[dict[str, Any]]:
    response = client.get(f"{BASE}/{entity}", params={"page_size": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _user_id(client: TestClient, auth: dict[str, str], username: str) -> int:
    users = client.get("/api/users", headers=auth).json()
    return next(int(u["id"]) for u in users if u["username"] == username)


@pytest.fixture
def data(client: TestClient, auth: dict[str, str], mini_crm: str) -> dict[str, Any]:
    """Two customers (one owned by the rep) and two opportunities of the first."""
    rep = _user_id(client, auth, "rep")
    customers = [
        {
            "name": "Acme 上海",
            "industry": "retail",
            "tags": ["vip", "key_account"],
            "owner": rep,
            "credit_limit": 12500.5,
            "region": {"province": "上海市", "city": "上海市", "detail": "世纪大道 1 号"},
            "phone": "13800138000",
        },
        {"name": "Globex", "industry": "software", "email": "it@globex.example"},
    ]
    made = []
    for values in customers:
        response = client.post(f"{BASE}/customer", json=values, headers=auth)
        assert response.status_code == 201, response.text
        made.append(response.json())
    opportunities = [
        {
            "name": "ERP 升级",
            "customer": made[0]["id"],
            "stage": "proposal",
            "amount": 80000,
            "discount": 0.15,
            "close_date": "2026-03-31",
        },
        {"name": "Support", "customer": made[0]["id"], "stage": "initial", "amount": 1200},
    ]
    for values in opportunities:
        response = client.post(f"{BASE}/opportunity", json=values, headers=auth)
        assert response.status_code == 201, response.text
    return {"rep": rep, "customers": made}


COMPARED = {
    "customer": ("industry", "tags", "owner", "credit_limit", "region", "phone", "email"),
    "opportunity": ("customer", "stage", "amount", "discount", "close_date", "net_amount"),
}


def _by_name(items: list[dict[str, Any]], entity: str) -> dict[str, tuple[Any, ...]]:
    return {item["name"]: tuple(item.get(k) for k in COMPARED[entity]) for item in items}


def test_xlsx_export_is_human_readable_with_real_cell_types(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    response = client.get(
        f"{BASE}/opportunity/export", params={"format": "xlsx", "lang": "en"}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="opportunity-')
    assert "filename*=UTF-8''Opportunity-" in disposition
    rows = _sheet(response.content)
    header = rows[0]
    assert header[:4] == ["ID", "Name", "Customer", "Stage"]
    assert "Line items" not in header and "Attachments" not in header  # not one cell's worth
    first = dict(zip(header, next(r for r in rows[1:] if r[1] == "ERP 升级"), strict=True))
    assert first["Customer"] == "Acme 上海"
    assert first["Stage"] == "Proposal"
    assert first["Amount"] == 80000 and isinstance(first["Amount"], int | float)
    assert first["Discount"] == pytest.approx(0.15)
    assert first["Net amount"] == pytest.approx(68000)
    assert first["Expected close"] == dt.datetime(2026, 3, 31)  # a date cell, not text
    assert isinstance(first["ID"], int)

    chinese = client.get(f"{BASE}/customer/export", params={"lang": "zh-CN"}, headers=auth)
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7-" in chinese.headers["content-disposition"]
    sheet = _sheet(chinese.content)
    acme = dict(zip(sheet[0], next(r for r in sheet[1:] if r[2] == "Acme 上海"), strict=True))
    assert acme["行业"] == "零售"
    assert acme["负责人"] == "Rep"
    assert acme["标签"] == "vip, key_account"
    assert acme["地区"] == "上海市/上海市//世纪大道 1 号"
    assert acme["客户编号"].startswith("CUS-")


def test_round_trip_creates_equal_records(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    before = _by_name(_items(client, auth, "customer"), "customer")
    exported = client.get(f"{BASE}/customer/export", params={"lang": "en"}, headers=auth)
    workbook = load_workbook(io.BytesIO(exported.content))
    sheet = workbook.active
    name_column = [c.value for c in sheet[1]].index("Name") + 1
    for row in range(2, sheet.max_row + 1):  # names are unique: import them renamed
        sheet.cell(row, name_column).value += " (copy)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _import(client, auth, "customer", buffer.getvalue())
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2 and len(response.json()["ids"]) == 2
    after = _by_name(_items(client, auth, "customer"), "customer")
    for name, values in before.items():
        assert after[f"{name} (copy)"] == values
    # The autonumber was generated anew, not taken from the file.
    codes = [item["code"] for item in _items(client, auth, "customer")]
    assert len(set(codes)) == 4


def test_csv_round_trip_with_links_and_a_byte_order_mark(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    before = _by_name(_items(client, auth, "opportunity"), "opportunity")
    exported = client.get(
        f"{BASE}/opportunity/export", params={"format": "csv", "lang": "zh-CN"}, headers=auth
    )
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")  # Excel's UTF-8 CSV
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    erp = dict(zip(rows[0], next(r for r in rows if "ERP 升级" in r), strict=True))
    assert erp["阶段"] == "方案报价" and erp["折扣"] == "15%" and erp["客户"] == "Acme 上海"
    # Rename, so the copies can be told apart, and import the same bytes back.
    renamed = exported.content.replace("ERP 升级".encode(), "ERP 升级 II".encode())
    renamed = renamed.replace(b"Support", b"Support II")
    response = _import(client, auth, "opportunity", renamed, name="export.csv")
    assert response.status_code == 201, response.text
    after = _by_name(_items(client, auth, "opportunity"), "opportunity")
    assert after["ERP 升级 II"] == before["ERP 升级"]
    assert after["Support II"] == before["Support"]


def test_values_convert_back_from_labels_names_and_text(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    acme = data["customers"][0]["id"]
    content = _xlsx(
        [
            ["商机名称", "Customer", "stage", "金额", "Discount", "预计成交日期"],
            ["A", "Acme 上海", "Needs analysis", "1,200.50", "20%", dt.datetime(2026, 5, 1)],
            ["B", f"#{acme}", "negotiation", 300, 0.1, "2026/6/2"],
            [None, None, None, None, None, None],  # a blank row is skipped
            ["C", str(acme), "商务谈判", None, None, "2026-07-03"],
        ]
    )
    response = _import(client, auth, "opportunity", content)
    assert response.status_code == 201, response.text
    items = {i["name"]: i for i in _items(client, auth, "opportunity")}
    assert items["A"]["stage"] == "needs" and items["A"]["amount"] == 1200.5
    assert items["A"]["discount"] == pytest.approx(0.2)
    assert items["A"]["close_date"] == "2026-05-01"
    assert items["B"]["customer"] == acme and items["B"]["close_date"] == "2026-06-02"
    assert items["C"]["customer"] == acme and items["C"]["stage"] == "negotiation"

    owners = _xlsx([["Name", "Owner"], ["By username", "rep"], ["By name", "Rep"]])
    response = _import(client, auth, "customer", owners)
    assert response.status_code == 201, response.text
    by_name = {i["name"]: i for i in _items(client, auth, "customer")}
    assert by_name["By username"]["owner"] == data["rep"] == by_name["By name"]["owner"]


def test_errors_name_row_and_column_and_nothing_is_written(
    client: TestClient, auth: dict[str, str], data: dict[str, Any], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:  # a second "Rep": the name is ambiguous
        create_user(conn, platform.passwords, "rep2", "pw", "Rep")
    before = _items(client, auth, "opportunity")
    content = _xlsx(
        [
            ["Name", "Customer", "Stage", "Amount", "Expected close"],
            ["fine", "Acme 上海", "Won", 10, "2026-01-01"],
            ["no customer", "Nobody Inc", "Won", 10, None],
            ["bad stage", "Globex", "Sold", 10, None],
            [None, "Globex", "Won", -5, "soon"],
        ]
    )
    response = _import(client, auth, "opportunity", content)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) >= {
        "rows[3].customer",
        "rows[4].stage",
        "rows[5].close_date",
    }
    assert "Nobody Inc" in errors["rows[3].customer"]["message"]
    assert errors["rows[4].stage"]["row"] == 4 and errors["rows[4].stage"]["column"] == "Stage"
    assert _items(client, auth, "opportunity") == before

    # Rows whose cells read fine are still validated: a required field and a minimum.
    content = _xlsx([["Name", "Customer", "Amount"], ["ok", "Globex", 1], [None, "Globex", -5]])
    response = _import(client, auth, "opportunity", content)
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"rows[3].name", "rows[3].amount"}
    assert _items(client, auth, "opportunity") == before

    ambiguous = _import(client, auth, "customer", _xlsx([["Name", "Owner"], ["X", "Rep"]]))
    assert ambiguous.status_code == 422
    assert ambiguous.json()["errors"][0]["field"] == "rows[2].owner"
    assert "username" in ambiguous.json()["errors"][0]["message"]


def test_headers_unknown_ignored_or_not_importable(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    unknown = _import(client, auth, "customer", _xlsx([["Name", "Fax"], ["X", "1"]]))
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {
            "field": "columns.Fax",
            "message": "'Fax' is neither the label nor the key of a field of customer",
            "row": 1,
            "column": "Fax",
        }
    ]
    # The id, system stamps and computed fields of an export are ignored: import creates.
    ignored = _xlsx(
        [["ID", "created_at", "Code", "Name", "Open pipeline"], [99, None, "X", "Y", 5]]
    )
    response = _import(client, auth, "customer", ignored)
    assert response.status_code == 201, response.text
    created = client.get(f"{BASE}/customer/{response.json()['ids'][0]}", headers=auth).json()
    assert created["name"] == "Y" and created["code"] != "X" and created["id"] != 99

    files = _import(client, auth, "opportunity", _xlsx([["Name", "附件"], ["X", "a.pdf"]]))
    assert files.status_code == 422
    assert files.json()["errors"][0]["field"] == "columns.附件"


def test_dry_run_checks_without_writing(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    before = _items(client, auth, "customer")
    content = _xlsx([["客户名称", "行业"], ["New 1", "制造业"], ["New 2", "Software"]])
    response = _import(client, auth, "customer", content, dry_run=True)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["valid"], answer["created"], answer["failed"]) == (2, 2, 0)
    assert answer["rows"] == [{"row": 2, "status": "created"}, {"row": 3, "status": "created"}]
    assert _items(client, auth, "customer") == before
    bad = _import(client, auth, "customer", _xlsx([["Name"], ["Globex"]]), dry_run=True)
    assert bad.status_code == 422  # the unique name is checked as well
    assert bad.json()["errors"][0]["field"] == "rows[2].name"
    # The dry run consumed no autonumber: the real import numbers on from the last one.
    response = _import(client, auth, "customer", content)
    assert response.status_code == 201
    codes = sorted(i["code"] for i in _items(client, auth, "customer"))
    assert [int(code[-4:]) for code in codes] == [1, 2, 3, 4]


def test_bad_files_and_limits(
    client: TestClient, auth: dict[str, str], data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = _import(client, auth, "customer", _xlsx([["Name"]]))
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    broken = _import(client, auth, "customer", b"PK\x03\x04 not really a zip", name="x.xlsx")
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "file"
    legacy = _import(client, auth, "customer", b"\xd0\xcf\x11\xe0", name="old.xls")
    assert legacy.status_code == 422 and ".xlsx" in legacy.json()["errors"][0]["message"]
    # Excel on Chinese Windows writes CSV in GBK, separated by commas.
    gbk = "客户名称,行业\r\n华为,制造业\r\n".encode("gb18030")
    assert _import(client, auth, "customer", gbk, name="x.csv").status_code == 201

    monkeypatch.setattr(export_module, "MAX_ROWS", 1)
    too_many = client.get(f"{BASE}/customer/export", headers=auth)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "limit"
    bad_format = client.get(f"{BASE}/customer/export", params={"format": "pdf"}, headers=auth)
    assert bad_format.status_code == 422
    assert bad_format.json()["errors"][0]["field"] == "format"


def test_export_follows_view_filter_sort_and_search(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    view = client.get(f"{BASE}/customer/export", params={"view": "all", "lang": "en"}, headers=auth)
    assert view.status_code == 200, view.text
    rows = _sheet(view.content)
    assert rows[0] == ["ID", "Code", "Name", "Industry", "Owner", "Open pipeline"]
    searched = client.get(f"{BASE}/customer/export", params={"q": "Glob"}, headers=auth)
    assert [r[2] for r in _sheet(searched.content)[1:]] == ["Globex"]
    equal = client.get(f"{BASE}/customer/export", params={"industry": "retail"}, headers=auth)
    assert [r[2] for r in _sheet(equal.content)[1:]] == ["Acme 上海"]
    sort = client.get(f"{BASE}/opportunity/export", params={"sort": "-amount"}, headers=auth)
    assert [r[1] for r in _sheet(sort.content)[1:]] == ["ERP 升级", "Support"]
    sort = client.get(f"{BASE}/opportunity/export", params={"sort": "amount"}, headers=auth)
    assert [r[1] for r in _sheet(sort.content)[1:]] == ["Support", "ERP 升级"]


@pytest.fixture
def roles(
    client: TestClient,
    auth: dict[str, str],
    platform: Platform,
    tenant: str,
    example_definition: dict[str, Any],
) -> dict[str, dict[str, str]]:
    """Mini CRM with an auditor who may not see credit limits; headers per user."""
    definition = copy.deepcopy(example_definition)
    definition["roles"].append(
        {
            "key": "auditor",
            "permissions": {
                "customer": {"read": "all", "create": True, "fields": {"credit_limit": "hidden"}}
            },
        }
    )
    assert client.post("/api/apps", json=definition, headers=auth).status_code == 201
    people = {"seller": "sales_rep", "accountant": "finance", "auditor": "auditor"}
    with platform.store.write(tenant) as conn:
        for username, role in people.items():
            user = create_user(conn, platform.passwords, username, "pw", username.title())
            grant_role(conn, user.id, "mini_crm", role)
    for values in ({"name": "Secret", "credit_limit": 99}, {"name": "Open"}):
        assert client.post(f"{BASE}/customer", json=values, headers=auth).status_code == 201
    return {name: login(client, tenant, name) for name in people}


def test_hidden_fields_are_never_exported(
    client: TestClient, roles: dict[str, dict[str, str]]
) -> None:
    for params in ({"lang": "en"}, {"format": "csv", "lang": "en"}, {"view": "all"}):
        response = client.get(f"{BASE}/customer/export", params=params, headers=roles["auditor"])
        assert response.status_code == 200, response.text
        assert b"Credit limit" not in response.content and b"99" not in response.content
        if params.get("format") != "csv":
            assert "Secret" in {cell for row in _sheet(response.content) for cell in row}
    # Naming the hidden field in an import is an unknown column: its existence does not leak.
    content = _xlsx([["Name", "Credit limit"], ["X", 5]])
    response = _import(client, roles["auditor"], "customer", content)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "columns.Credit limit"


def test_permissions_of_the_importer(client: TestClient, roles: dict[str, dict[str, str]]) -> None:
    content = _xlsx([["Name"], ["From finance"]])
    forbidden = _import(client, roles["accountant"], "customer", content)
    assert forbidden.status_code == 403, forbidden.text
    # A rep reads only their own customers: the export holds none of the admin's.
    rows = _sheet(client.get(f"{BASE}/customer/export", headers=roles["seller"]).content)
    assert rows[1:] == []
    # The rep may read the discount but not write it: naming it is an error.
    sheet = _xlsx([["Name", "Customer", "Discount"], ["Deal", "#1", 0.1]])
    read_only = _import(client, roles["seller"], "opportunity", sheet)
    assert read_only.status_code == 422
    assert read_only.json()["errors"] == [
        {
            "field": "columns.Discount",
            "message": "is read-only for you",
            "row": 1,
            "column": "Discount",
        }
    ]
    # A link by title matches only what the importer can read: the admin's customers are not.
    by_title = _import(
        client, roles["seller"], "opportunity", _xlsx([["Name", "Customer"], ["D", "Open"]])
    )
    assert by_title.status_code == 422
    assert by_title.json()["errors"][0]["field"] == "rows[2].customer"


def test_a_failed_import_reports_no_ids_of_rolled_back_rows(
    client: TestClient, auth: dict[str, str], data: dict[str, Any]
) -> None:
    # Row 2 is created before row 3's unknown owner fails the import: the
    # creation is rolled back, so its id names no record and must not be reported.
    content = _xlsx([["Name", "Owner"], ["Kept out", "admin"], ["Nobody's", "nobody"]])
    for dry_run in (False, True):
        response = _import(client, auth, "customer", content, dry_run=dry_run)
        assert response.status_code == 422, response.text
        rows = response.json()["rows"]
        assert {"row": 2, "status": "created"} in rows, rows
        assert all("id" not in row for row in rows if row["status"] == "created")
