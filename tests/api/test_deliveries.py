"""GET /api/deliveries, GET /api/deliveries/{id}, POST /api/deliveries/{id}/retry (admins)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.platform import Platform
from engine.jobs import run_until_idle
from engine.messaging import Outbound, queue
from tests.conftest import login

MAIL = {"subject": "Hi {{ name }}", "body": "Body", "values": {"name": "Ann"}}


def test_list_get_and_retry_a_failed_delivery(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]
) -> None:
    with platform.store.write(tenant) as conn:
        first, second = queue(
            conn,
            [Outbound("email", "a@example.com", MAIL), Outbound("email", "b@example.com", MAIL)],
            datetime.now(UTC),
        )
    queued = client.get("/api/deliveries", params={"status": "queued"}, headers=auth).json()
    assert [item["id"] for item in queued["items"]] == [second, first]
    assert queued["total"] == 2
    # No SMTP and no mail sink in the tests' platform: both fail permanently.
    run_until_idle(platform.store, platform.jobs, tenant, holder="t")
    found = client.get(f"/api/deliveries/{first}", headers=auth).json()
    assert found["status"] == "failed" and "SMTP is not configured" in found["last_error"]
    assert found["rendered"]["subject"] == "Hi Ann"
    assert found["content"] == MAIL and len(found["attempt_log"]) == 1
    failed = client.get(
        "/api/deliveries", params={"status": "failed", "channel": "email"}, headers=auth
    )
    assert failed.json()["total"] == 2
    retried = client.post(f"/api/deliveries/{first}/retry", headers=auth)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    again = client.post(f"/api/deliveries/{first}/retry", headers=auth)
    assert again.status_code == 409
    run_until_idle(platform.store, platform.jobs, tenant, holder="t")
    after = client.get(f"/api/deliveries/{first}", headers=auth).json()
    assert after["status"] == "failed" and after["attempts"] == 2


def test_only_admins_and_bad_input(client: TestClient, tenant: str, auth: dict[str, str]) -> None:
    rep = login(client, tenant, "rep")
    assert client.get("/api/deliveries", headers=rep).status_code == 403
    assert client.get("/api/deliveries/12345", headers=auth).status_code == 404
    assert client.post("/api/deliveries/12345/retry", headers=auth).status_code == 404
    assert client.get("/api/deliveries", params={"status": "lost"}, headers=auth).status_code == 422
