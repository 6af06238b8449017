"""Excel that round-trips: export every importable field, edit, upsert back; the template.

On SQLite and PostgreSQL (the ``backend`` fixture behind ``client``).
"""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from api.platform import Platform
from engine.accounts.users import create_user, grant_role
from tests.conftest import login

BASE = "/api/apps/mini_crm"
INDUSTRIES = ["manufacturing", "retail", "software"]


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _export(client: TestClient, auth: dict[str, str]) -> list[list[Any]]:
    params = {"columns": "importable", "lang": "en", "sort": "id"}
    response = client.get(f"{BASE}/customer/export", params=params, headers=auth)
    assert response.status_code == 200, response.text
    return _rows(response.content)


def _import(
    client: TestClient,
    auth: dict[str, str],
    rows: list[list[Any]],
    dry_run: bool = False,
    **params: str,
) -> Any:
    query = {"mode": "upsert", **params, **({"dry_run": "true"} if dry_run else {})}
    return client.post(
        f"{BASE}/customer/import",
        params=query,
        files={"file": ("customers.xlsx", _xlsx(rows))},
        headers=auth,
    )


def _customers(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    params = {"page_size": 100, "sort": "id"}
    response = client.get(f"{BASE}/customer", params=params, headers=auth)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@pytest.fixture
def customers(client: TestClient, auth: dict[str, str], mini_crm: str) -> list[dict[str, Any]]:
    """Ten customers with options, tags, an address, an owner and money."""
    users = client.get("/api/users", headers=auth).json()
    rep = next(int(u["id"]) for u in users if u["username"] == "rep")
    for i in range(10):
        values = {
            "name": f"Customer {i:02d}",
            "industry": INDUSTRIES[i % 3],
            "tags": ["vip", "key_account"] if i % 2 else [],
            "region": {"province": "上海市", "city": "上海市", "detail": f"{i} 号"},
            "phone": f"1380013800{i}",
            "owner": rep if i < 5 else None,
            "credit_limit": 1000.5 * i,
        }
        response = client.post(f"{BASE}/customer", json=values, headers=auth)
        assert response.status_code == 201, response.text
    return _customers(client, auth)


def test_the_importable_export_imports_back_unchanged(
    client: TestClient, auth: dict[str, str], customers: list[dict[str, Any]]
) -> None:
    rows = _export(client, auth)
    assert rows[0][0] == "ID" and rows[0][-1] == "version"
    # Every field an import accepts, required ones included; computed ones are not.
    assert {"Name", "Industry", "Owner", "Credit limit"} <= set(rows[0])
    assert "Code" not in rows[0] and "Open amount" not in rows[0]
    dry = _import(client, auth, rows, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["unchanged"], dry.json()["updated"], dry.json()["created"]) == (10, 0, 0)
    real = _import(client, auth, rows)
    assert real.status_code == 201, real.text
    assert real.json()["unchanged"] == 10
    assert _customers(client, auth) == customers  # not even a version moved


def test_export_edit_upsert_updates_five_and_creates_two(
    client: TestClient, auth: dict[str, str], customers: list[dict[str, Any]]
) -> None:
    rows = _export(client, auth)
    header = rows[0]
    phone, industry = header.index("Phone"), header.index("Industry")
    for row in rows[1:6]:
        row[phone] = "021" + str(row[phone])[-8:]
    rows[3][industry] = "Retail"
    new = [None] * len(header)
    rows += [
        [*new[:1], *(["New A"] + [None] * (len(header) - 2))],
        [*new[:1], *(["New B"] + [None] * (len(header) - 2))],
    ]
    name = header.index("Name")
    assert rows[-1][name] == "New B"
    dry = _import(client, auth, rows, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    totals = {k: report[k] for k in ("created", "updated", "unchanged", "failed")}
    assert totals == {"created": 2, "updated": 5, "unchanged": 5, "failed": 0}
    statuses = {r["row"]: r["status"] for r in report["rows"]}
    assert [statuses[n] for n in range(2, 14)] == ["updated"] * 5 + ["unchanged"] * 5 + [
        "created"
    ] * 2
    assert next(r for r in report["rows"] if r["row"] == 4)["changed"] == ["industry", "phone"]
    assert _customers(client, auth) == customers  # a dry run writes nothing

    real = _import(client, auth, rows)
    assert real.status_code == 201, real.text
    assert (real.json()["updated"], real.json()["created"]) == (5, 2)
    after = {c["name"]: c for c in _customers(client, auth)}
    for before in customers:
        now = after[before["name"]]
        edited = before["id"] <= customers[4]["id"]
        assert now["phone"] == ("021" + before["phone"][-8:] if edited else before["phone"])
        assert now["version"] == before["version"] + (1 if edited else 0)
        assert now["tags"] == before["tags"] and now["region"] == before["region"]
    assert after["Customer 02"]["industry"] == "retail"
    assert {"New A", "New B"} <= set(after)


def test_upsert_by_a_unique_field(
    client: TestClient, auth: dict[str, str], customers: list[dict[str, Any]]
) -> None:
    rows = [["Name", "Phone"], ["Customer 03", "02100000003"], ["Brand new", "02100000099"]]
    refused = _import(client, auth, rows, match_by="phone")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "match_by"
    updated = _import(client, auth, rows, mode="update", match_by="name")
    assert updated.status_code == 422  # update only: the new name matches nothing
    assert updated.json()["errors"][0]["row"] == 3
    # The field matched on is named by its label, like every field of a message.
    assert updated.json()["errors"][0]["message"].endswith("has no ID nor a Name of one")
    assert [r["status"] for r in updated.json()["rows"]] == ["updated", "failed"]
    response = _import(client, auth, rows, match_by="name")
    assert response.status_code == 201, response.text
    assert (response.json()["updated"], response.json()["created"]) == (1, 1)
    after = {c["name"]: c for c in _customers(client, auth)}
    assert after["Customer 03"]["phone"] == "02100000003"
    assert after["Customer 03"]["id"] == customers[3]["id"]


def test_a_row_changed_since_the_export_is_reported(
    client: TestClient, auth: dict[str, str], customers: list[dict[str, Any]]
) -> None:
    rows = _export(client, auth)
    first = customers[0]
    changed = {"phone": "13999999999"}
    url = f"{BASE}/customer/{first['id']}"
    moved = client.patch(url, json={**changed, "version": first["version"]}, headers=auth)
    assert moved.status_code == 200, moved.text
    rows[1][rows[0].index("Industry")] = "Software"
    response = _import(client, auth, rows)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["row"], error["field"]) == (2, "rows[2].version")
    assert "export it again" in error["message"]


def test_a_refused_row_fails_the_whole_import(
    client: TestClient,
    platform: Platform,
    tenant: str,
    auth: dict[str, str],
    example_definition: dict[str, Any],
) -> None:
    definition = copy.deepcopy(example_definition)
    definition["roles"].append(
        {
            "key": "editor",
            "permissions": {"customer": {"read": "all", "create": True, "update": "own"}},
        }
    )
    assert client.post("/api/apps", json=definition, headers=auth).status_code == 201
    with platform.store.write(tenant) as conn:
        user = create_user(conn, platform.passwords, "editor", "pw", "Editor")
        grant_role(conn, user.id, "mini_crm", "editor")
    editor = login(client, tenant, "editor")
    mine = client.post(f"{BASE}/customer", json={"name": "Mine", "owner": user.id}, headers=auth)
    theirs = client.post(f"{BASE}/customer", json={"name": "Theirs"}, headers=auth)
    assert mine.status_code == theirs.status_code == 201
    rows = [
        ["ID", "Name", "Phone"],
        [mine.json()["id"], "Mine", "13800000001"],
        [theirs.json()["id"], "Theirs", "13800000002"],
        [None, "New one", None],
    ]
    response = _import(client, editor, rows)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert [(e["row"], e["column"]) for e in answer["errors"]] == [(3, "ID")]
    assert "may not update" in answer["errors"][0]["message"]
    assert [r["status"] for r in answer["rows"]] == ["updated", "failed", "created"]
    # All or nothing: the editor's own row and the new one were not written either.
    names = {c["name"]: c for c in _customers(client, auth)}
    assert names["Mine"].get("phone") is None and "New one" not in names


def test_the_import_template(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    response = client.get(f"{BASE}/customer/import-template", params={"lang": "en"}, headers=auth)
    assert response.status_code == 200, response.text
    assert "template" in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Name *" and "ID" not in header and "version" not in header
    assert "Industry" in header and "Code" not in header
    assert sheet["A1"].font.color.rgb == "FFC00000" and sheet["A1"].comment is not None
    industry = header.index("Industry") + 1
    example = [cell.value for cell in sheet[2]]
    assert example[industry - 1] == "Manufacturing"
    letter = sheet.cell(row=1, column=industry).column_letter
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    dropdown = validations[f"{letter}2:{letter}50001"]
    assert dropdown.type == "list" and "options" in str(dropdown.formula1)
    options = workbook["options"]
    assert options.sheet_state == "hidden"
    assert [options.cell(row=r, column=industry).value for r in (1, 2, 3)][:2] == [
        "Manufacturing",
        "Retail",
    ]
    # Filled in, the template imports: the required marks are read as the labels.
    chinese = client.get(f"{BASE}/customer/import-template", headers=auth)
    zh_header = [cell.value for cell in load_workbook(io.BytesIO(chinese.content)).active[1]]
    assert zh_header[0].endswith(" *") and zh_header[0] != "Name *"
    sheet["A2"] = "From the template"
    buffer = io.BytesIO()
    workbook.save(buffer)
    imported = client.post(
        f"{BASE}/customer/import",
        files={"file": ("template.xlsx", buffer.getvalue())},
        headers=auth,
    )
    assert imported.status_code == 201, imported.text
    created = client.get(f"{BASE}/customer/{imported.json()['ids'][0]}", headers=auth).json()
    assert created["name"] == "From the template" and created["industry"] == "manufacturing"
    csv = client.get(f"{BASE}/customer/import-template", params={"format": "csv"}, headers=auth)
    assert csv.status_code == 422
