"""The ``Idempotency-Key`` header on creates, bulk writes and actions: a retry
replays the first answer, another request with the key is 422, keys expire after
24 hours (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from api.platform import Platform
from engine.store.tables import idempotency_keys
from tests.conftest import login
from tests.engine.actions.sales_app import install_sales

BASE = "/api/apps/mini_crm"


def keyed(auth: dict[str, str], key: str) -> dict[str, str]:
    return {**auth, "Idempotency-Key": key}


def count(client: TestClient, auth: dict[str, str]) -> int:
    return int(client.get(f"{BASE}/customer", headers=auth).json()["total"])


def test_a_retried_create_replays_the_first_answer(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    first = client.post(f"{BASE}/customer", json={"name": "Acme"}, headers=keyed(auth, "k-1"))
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = client.post(f"{BASE}/customer", json={"name": "Acme"}, headers=keyed(auth, "k-1"))
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(client, auth) == 1
    # A new key is a new request.
    assert (
        client.post(f"{BASE}/customer", json={"name": "B"}, headers=keyed(auth, "k-2")).status_code
        == 201
    )
    assert count(client, auth) == 2


def test_the_same_key_with_another_request_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    client.post(f"{BASE}/customer", json={"name": "Acme"}, headers=keyed(auth, "k"))
    other = client.post(f"{BASE}/customer", json={"name": "Other"}, headers=keyed(auth, "k"))
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    elsewhere = client.post(f"{BASE}/opportunity", json={"name": "Acme"}, headers=keyed(auth, "k"))
    assert elsewhere.status_code == 422
    assert count(client, auth) == 1


def test_keys_belong_to_their_user_and_failures_are_not_kept(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant)
    rep_a, rep_b = login(client, tenant, "rep_a"), login(client, tenant, "rep_b")
    url = "/api/apps/sales/customer"
    a = client.post(url, json={"name": "A"}, headers=keyed(rep_a, "same"))
    b = client.post(url, json={"name": "B"}, headers=keyed(rep_b, "same"))
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    # A refused request stores nothing: the corrected retry with its key runs.
    refused = client.post(url, json={}, headers=keyed(rep_a, "fix-me"))
    assert refused.status_code == 422
    fixed = client.post(url, json={"name": "C"}, headers=keyed(rep_a, "fix-me"))
    assert fixed.status_code == 201
    assert sales.count("customer") == 3


def test_a_key_expires_after_a_day(
    client: TestClient, auth: dict[str, str], mini_crm: str, platform: Platform, tenant: str
) -> None:
    client.post(f"{BASE}/customer", json={"name": "Acme"}, headers=keyed(auth, "old"))
    client.delete(f"{BASE}/customer/1", headers=auth)
    with platform.store.write(tenant) as conn:
        day_ago = datetime.now(UTC) - timedelta(hours=24, minutes=1)
        conn.execute(update(idempotency_keys).values(created_at=day_ago))
    again = client.post(f"{BASE}/customer", json={"name": "Acme2"}, headers=keyed(auth, "old"))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers


def test_a_bad_key_is_400(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    for key in ["", '""', "x" * 256, "a\tb", "ключ".encode()]:
        headers = {**auth, "Idempotency-Key": key}
        answer = client.post(f"{BASE}/customer", json={"name": "A"}, headers=headers)  # type: ignore[dict-item]
        assert answer.status_code == 400, (key, answer.text)
    assert count(client, auth) == 0


def test_actions_and_bulk_writes_replay_too(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant)
    lead = sales.lead("L")
    rep_a = login(client, tenant, "rep_a")
    url = f"/api/apps/sales/lead/{lead}/actions/claim"
    first = client.post(url, headers=keyed(rep_a, "claim-1"))
    assert first.status_code == 200, first.text
    # Without the key a second claim is refused (already theirs); with it, replayed.
    again = client.post(url, headers=keyed(rep_a, "claim-1"))
    assert again.status_code == 200 and again.json() == first.json()
    manager = login(client, tenant, "manager")
    others = [sales.lead("M"), sales.lead("N")]
    body = {"ids": others, "action": "assign", "params": {"owner": sales.ids["rep_b"]}}
    bulk = "/api/apps/sales/lead/bulk-action"
    done = client.post(bulk, json=body, headers=keyed(manager, "bulk-1"))
    assert done.status_code == 200, done.text
    replay = client.post(bulk, json=body, headers=keyed(manager, "bulk-1"))
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    history = client.get(f"/api/apps/sales/lead/{others[0]}/history", headers=manager).json()
    assert [h["action"] for h in history].count("action") == 1
