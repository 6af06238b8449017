"""Records through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.platform import Platform
from engine.store.tables import audit_log

BASE = "/api/apps/mini_crm"


def make_customer(client: TestClient, auth: dict[str, str], **values: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/customer", json={"name": "Acme", **values}, headers=auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def errors_of(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def row_count(platform: Platform, tenant: str, table: str) -> int:
    runtime = platform.runtimes.peek(tenant, 1)
    assert runtime is not None
    tables = {t.name: t for t in runtime.all_tables()}
    with platform.store.read(tenant) as conn:
        return int(conn.scalar(select(func.count()).select_from(tables[table])) or 0)


def audit_count(platform: Platform, tenant: str) -> int:
    with platform.store.read(tenant) as conn:
        return int(conn.scalar(select(func.count()).select_from(audit_log)) or 0)


def test_create_read_list(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    created = make_customer(
        client,
        auth,
        industry="retail",
        email="buyer@acme.cn",
        phone="13812345678",
        credit_limit=1000.5,
        tags=["vip"],
        region={"province": "浙江省", "city": "杭州市"},
    )
    assert created["version"] == 1
    assert created["code"].startswith("CUS-") and created["code"].endswith("-0001")
    assert created["owner"] is not None  # default =CURRENT_USER()
    assert created["_display"]["owner"] == "Admin"
    assert created["credit_limit"] == 1000.5
    assert created["open_amount"] == 0
    fetched = client.get(f"{BASE}/customer/{created['id']}", headers=auth).json()
    # A read also says what the reader may do with the record.
    assert fetched.pop("_access") == {"update": True, "delete": True}
    assert fetched == created
    page = client.get(f"{BASE}/customer", params={"industry": "retail"}, headers=auth).json()
    assert page["total"] == 1 and page["items"][0]["name"] == "Acme"
    assert (
        client.get(f"{BASE}/customer", params={"industry": "software"}, headers=auth).json()[
            "total"
        ]
        == 0
    )


def test_serial_numbers_continue(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    first = make_customer(client, auth, name="A")
    second = make_customer(client, auth, name="B")
    assert int(second["code"][-4:]) == int(first["code"][-4:]) + 1


def test_paging_sorting_search(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    for i, name in enumerate(["Delta", "alpha", "Charlie", "bravo", "Echo"]):
        make_customer(client, auth, name=name, credit_limit=i * 100)
    page = client.get(
        f"{BASE}/customer",
        params={"sort": "-credit_limit", "page": 2, "page_size": 2},
        headers=auth,
    ).json()
    assert [r["name"] for r in page["items"]] == ["Charlie", "alpha"]
    assert page["total"] == 5
    found = client.get(f"{BASE}/customer", params={"q": "ALP"}, headers=auth).json()
    assert [r["name"] for r in found["items"]] == ["alpha"]
    bad = client.get(f"{BASE}/customer", params={"sort": "nope"}, headers=auth)
    assert bad.status_code == 422 and "sort" in errors_of(bad)
    bad = client.get(f"{BASE}/customer", params={"credit_limit": "abc"}, headers=auth)
    assert bad.status_code == 422 and "credit_limit" in errors_of(bad)
    no_total = client.get(f"{BASE}/customer", params={"count": "false"}, headers=auth).json()
    assert "total" not in no_total and len(no_total["items"]) == 5


def test_bad_input_names_each_field_and_writes_nothing(
    client: TestClient, auth: dict[str, str], mini_crm: str, platform: Platform, tenant: str
) -> None:
    make_customer(client, auth, name="Taken")
    before = audit_count(platform, tenant)
    response = client.post(
        f"{BASE}/customer",
        json={
            "name": "Taken",
            "email": "not-an-email",
            "phone": "12345",
            "industry": "mining",
            "credit_limit": -5,
            "tags": ["vip", "nope"],
            "nickname": "x",
            "code": "CUS-1",
            "owner": 999,
        },
        headers=auth,
    )
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {
        "name",
        "email",
        "phone",
        "industry",
        "credit_limit",
        "tags",
        "nickname",
        "code",
        "owner",
    }
    assert "not an option" in errors["industry"]
    assert errors["name"] == "must be unique: customer 'Taken' already has this value"
    assert errors["owner"] == "there is no active user with id 999"
    too_long = client.post(f"{BASE}/customer", json={"name": "x" * 201}, headers=auth)
    assert "at most 200" in errors_of(too_long)["name"]
    missing = client.post(f"{BASE}/customer", json={}, headers=auth)
    assert errors_of(missing) == {"name": "is required"}
    wrong_type = client.post(
        f"{BASE}/customer", json={"name": 5, "credit_limit": "x"}, headers=auth
    )
    assert set(errors_of(wrong_type)) == {"name", "credit_limit"}
    malformed = client.post(
        f"{BASE}/customer",
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 422 and malformed.json()["errors"]
    assert audit_count(platform, tenant) == before
    assert row_count(platform, tenant, "a_mini_crm__customer") == 1


def test_links_formulas_subtables_rollups(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    customer = make_customer(client, auth)
    response = client.post(
        f"{BASE}/opportunity",
        json={
            "name": "Big deal",
            "customer": customer["id"],
            "amount": 1000,
            "discount": 0.1,
            "close_date": "2026-12-31",
            "lines": [
                {"product": "Widget", "qty": 3, "price": 10.5},
                {"product": "Gadget", "qty": 1, "price": 99},
            ],
        },
        headers=auth,
    )
    assert response.status_code == 201, response.text
    deal = response.json()
    assert deal["net_amount"] == 900.0
    assert deal["stage"] == "initial"
    assert deal["_display"]["customer"] == "Acme"
    assert [line["subtotal"] for line in deal["lines"]] == [31.5, 99.0]
    assert (
        client.get(f"{BASE}/customer/{customer['id']}", headers=auth).json()["open_amount"] == 1000
    )
    won = client.patch(
        f"{BASE}/opportunity/{deal['id']}", json={"version": 1, "stage": "won"}, headers=auth
    )
    assert won.status_code == 200, won.text
    assert won.json()["version"] == 2 and won.json()["lines"] == deal["lines"]
    # Roll-ups exclude won and lost deals by their `where` condition.
    assert client.get(f"{BASE}/customer/{customer['id']}", headers=auth).json()["open_amount"] == 0


def test_conditional_required_and_subtable_errors(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    customer = make_customer(client, auth)
    response = client.post(
        f"{BASE}/opportunity",
        json={
            "name": "Lost deal",
            "customer": customer["id"],
            "stage": "lost",
            "lines": [{"product": "Widget", "qty": 0}, {"qty": 2}],
        },
        headers=auth,
    )
    assert errors_of(response) == {
        "lost_reason": "is required",
        "lines[0].qty": "must be at least 1",
        "lines[1].product": "is required",
    }


def test_link_to_missing_record(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    response = client.post(
        f"{BASE}/opportunity", json={"name": "Ghost", "customer": 4242}, headers=auth
    )
    assert errors_of(response) == {"customer": "there is no customer with id 4242"}


def test_stale_version_is_409_and_loses_nothing(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    customer = make_customer(client, auth)
    url = f"{BASE}/customer/{customer['id']}"
    first = client.patch(url, json={"version": 1, "industry": "retail"}, headers=auth)
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "industry": "software"}, headers=auth)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert client.get(url, headers=auth).json()["industry"] == "retail"
    missing = client.patch(url, json={"industry": "software"}, headers=auth)
    assert errors_of(missing).keys() == {"version"}


def test_delete_restricted_by_links(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    customer = make_customer(client, auth)
    deal = client.post(
        f"{BASE}/opportunity", json={"name": "D", "customer": customer["id"]}, headers=auth
    ).json()
    blocked = client.delete(f"{BASE}/customer/{customer['id']}", headers=auth)
    assert blocked.status_code == 409
    assert "still linked from 1 opportunity record" in blocked.json()["detail"]
    assert client.delete(f"{BASE}/opportunity/{deal['id']}", headers=auth).status_code == 204
    assert client.delete(f"{BASE}/customer/{customer['id']}", headers=auth).status_code == 204
    assert client.get(f"{BASE}/customer/{customer['id']}", headers=auth).status_code == 404


def test_bulk_is_all_or_nothing(
    client: TestClient, auth: dict[str, str], mini_crm: str, platform: Platform, tenant: str
) -> None:
    rows = [{"name": f"C{i}"} for i in range(50)]
    created = client.post(f"{BASE}/customer/bulk", json=rows, headers=auth)
    assert created.status_code == 201 and len(created.json()["ids"]) == 50
    bad = client.post(
        f"{BASE}/customer/bulk", json=[{"name": "ok"}, {"name": "C3"}, {"email": "x"}], headers=auth
    )
    assert bad.status_code == 422
    assert set(errors_of(bad)) == {"[1].name", "[2].name", "[2].email"}
    assert row_count(platform, tenant, "a_mini_crm__customer") == 50


def test_audit_records_before_and_after(
    client: TestClient, auth: dict[str, str], mini_crm: str, platform: Platform, tenant: str
) -> None:
    customer = make_customer(client, auth)
    client.patch(
        f"{BASE}/customer/{customer['id']}", json={"version": 1, "industry": "retail"}, headers=auth
    )
    with platform.store.read(tenant) as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.before, audit_log.c.after)
            .where(audit_log.c.entity == "customer")
            .order_by(audit_log.c.id)
        ).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].before == {"industry": None} and rows[1].after == {"industry": "retail"}


def test_unknown_app_entity_record(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    assert client.get("/api/apps/nope/customer", headers=auth).status_code == 404
    assert client.get(f"{BASE}/nope", headers=auth).status_code == 404
    response = client.get(f"{BASE}/customer/99", headers=auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
