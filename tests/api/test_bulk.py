"""Bulk work on selected records: all or nothing, with a report of each failure,
through the same permission checks as single writes (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from tests.conftest import login
from tests.engine.actions.sales_app import Sales, install_sales

BASE = "/api/apps/mini_crm"
SALES = "/api/apps/sales"


def customer(client: TestClient, auth: dict[str, str], name: str, **values: Any) -> int:
    response = client.post(f"{BASE}/customer", json={"name": name, **values}, headers=auth)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_bulk_update_sets_a_field_on_every_selected_record(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    ids = [customer(client, auth, f"C{i}", industry="retail") for i in range(3)]
    answer = client.post(
        f"{BASE}/customer/bulk-update",
        json={"ids": ids[:2], "values": {"industry": "software"}},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"updated": 2, "ids": ids[:2]}
    industries = [client.get(f"{BASE}/customer/{i}", headers=auth).json()["industry"] for i in ids]
    assert industries == ["software", "software", "retail"]
    history = client.get(f"{BASE}/customer/{ids[0]}/history", headers=auth).json()
    assert [h["action"] for h in history] == ["create", "update"]


def test_one_failure_writes_nothing_and_the_report_names_each(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    ids = [customer(client, auth, f"C{i}") for i in range(3)]
    client.delete(f"{BASE}/customer/{ids[1]}", headers=auth)
    body = problem(
        client.post(
            f"{BASE}/customer/bulk-update",
            json={"ids": [*ids, 999999], "values": {"industry": "software"}},
            headers=auth,
        ),
        404,
    )
    assert (body["total"], body["failed"]) == (4, 2)
    assert [f["id"] for f in body["failures"]] == [ids[1], 999999]
    assert {f["status"] for f in body["failures"]} == {404}
    assert "nothing was changed" in body["detail"]
    assert client.get(f"{BASE}/customer/{ids[0]}", headers=auth).json()["industry"] is None


def test_invalid_values_are_reported_per_record_with_their_field_errors(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    ids = [customer(client, auth, f"C{i}") for i in range(2)]
    response = client.post(
        f"{BASE}/customer/bulk-update", json={"ids": ids, "values": {"email": "nope"}}, headers=auth
    )
    body = problem(response, 422)
    assert [f["id"] for f in body["failures"]] == ids
    assert body["failures"][0]["errors"][0]["field"] == "email"
    # The report speaks the reader's language, each record's problem too.
    chinese = client.post(
        f"{BASE}/customer/bulk-update",
        json={"ids": ids, "values": {"email": "nope"}},
        headers={**auth, "Accept-Language": "zh-CN"},
    ).json()
    assert chinese["detail"] == "2 条记录中有 2 条无法修改，因此全部未修改"
    failure = chinese["failures"][0]
    assert failure["detail"] == "记录填写有误"
    assert failure["errors"][0]["field"] == "email"
    assert failure["errors"][0]["message"] == "邮箱：必须是邮箱地址，如 name@example.com"


def test_bulk_delete_moves_the_selection_to_the_recycle_bin(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    ids = [customer(client, auth, f"C{i}") for i in range(3)]
    answer = client.post(f"{BASE}/customer/bulk-delete", json={"ids": ids[:2]}, headers=auth)
    assert answer.json() == {"deleted": 2, "ids": ids[:2]}
    binned = client.get(f"{BASE}/customer/deleted", headers=auth).json()
    assert sorted(r["id"] for r in binned["items"]) == ids[:2]


@pytest.mark.parametrize(
    "body",
    [
        {"ids": []},
        {"ids": [1, 1]},
        {"ids": list(range(1, 1002))},
        {"ids": [0]},
        {"ids": ["x"]},
        {"ids": [1], "other": True},
    ],
)
def test_a_bad_selection_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str, body: dict[str, Any]
) -> None:
    problem(client.post(f"{BASE}/customer/bulk-delete", json=body, headers=auth), 422)


@pytest.fixture
def sales(platform: Platform, tenant: str) -> Sales:
    return install_sales(platform, tenant)


def test_bulk_writes_apply_the_users_permissions(client: TestClient, sales: Sales) -> None:
    own = sales.lead("Own", owner=sales.ids["rep_a"])
    other = sales.lead("Other", owner=sales.ids["rep_b"])
    rep_a = login(client, sales.tenant, "rep_a")
    # Another rep's lead is out of rep_a's scope: not found, and their own is untouched.
    body = problem(
        client.post(
            f"{SALES}/lead/bulk-update",
            json={"ids": [own, other], "values": {"company": "Renamed"}},
            headers=rep_a,
        ),
        404,
    )
    assert [f["id"] for f in body["failures"]] == [other]
    assert sales.read("lead", own)["company"] == "Own"
    # The auditor reads every lead but may change none: 403 for each.
    auditor = login(client, sales.tenant, "auditor")
    body = problem(
        client.post(
            f"{SALES}/lead/bulk-update",
            json={"ids": [own, other], "values": {"company": "X"}},
            headers=auditor,
        ),
        403,
    )
    assert body["failed"] == 2
    # Reps may not delete leads at all.
    problem(client.post(f"{SALES}/lead/bulk-delete", json={"ids": [own]}, headers=rep_a), 403)
    assert sales.read("lead", own)["company"] == "Own"  # still live: get_record finds it


def test_bulk_assign_runs_the_pools_action_and_keeps_its_cap(
    client: TestClient, sales: Sales
) -> None:
    leads = [sales.lead(f"L{i}") for i in range(3)]
    manager = login(client, sales.tenant, "manager")
    assign = {"action": "assign", "params": {"owner": sales.ids["rep_a"]}}
    done = client.post(
        f"{SALES}/lead/bulk-action", json={"ids": leads[:2], **assign}, headers=manager
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"action": "assign", "done": 2, "ids": leads[:2]}
    assert [sales.read("lead", i)["owner"] for i in leads[:2]] == [sales.ids["rep_a"]] * 2
    # rep_b may own two open leads: the third breaks the pool's cap, so none is assigned.
    too_many = [*leads[2:], sales.lead("L3"), sales.lead("L4")]
    to_b = {"action": "assign", "params": {"owner": sales.ids["rep_b"]}}
    body = client.post(
        f"{SALES}/lead/bulk-action", json={"ids": too_many, **to_b}, headers=manager
    ).json()
    assert body["failed"] == 1 and body["failures"][0]["id"] == too_many[2]
    assert [sales.read("lead", i)["owner"] for i in too_many] == [None, None, None]
    # A rep may not assign: every record is refused.
    rep_a = login(client, sales.tenant, "rep_a")
    refused = client.post(
        f"{SALES}/lead/bulk-action", json={"ids": too_many, **to_b}, headers=rep_a
    )
    assert refused.status_code == 403, refused.text


def test_an_unknown_bulk_action_is_404(client: TestClient, sales: Sales) -> None:
    lead = sales.lead("L")
    manager = login(client, sales.tenant, "manager")
    answer = client.post(
        f"{SALES}/lead/bulk-action", json={"ids": [lead], "action": "nope"}, headers=manager
    )
    problem(answer, 404)
