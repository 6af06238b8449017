"""API tokens: create with an expiry, list without secrets, revoke, expire, last used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.platform import Platform
from engine.store.tables import api_tokens
from tests.conftest import login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_new_token_expires_in_90_days_unless_told(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post("/api/tokens", json={"name": "erp"}, headers=auth)
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("fwt.") and body["name"] == "erp" and body["revoked_at"] is None
    lifetime = when(body["expires_at"]) - when(body["created_at"])
    assert lifetime == timedelta(days=90)
    week = client.post("/api/tokens", json={"name": "w", "expires_in_days": 7}, headers=auth).json()
    assert when(week["expires_at"]) - when(week["created_at"]) == timedelta(days=7)
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    dated = client.post("/api/tokens", json={"name": "d", "expires_at": soon}, headers=auth).json()
    assert when(dated["expires_at"]) == when(soon)


def test_expiry_is_bounded(client: TestClient, auth: dict[str, str]) -> None:
    now = datetime.now(UTC)
    cases = [
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_at": (now - timedelta(minutes=1)).isoformat()}, "expires_at"),
        ({"expires_at": (now + timedelta(days=400)).isoformat()}, "expires_at"),
        ({"expires_at": "2030-01-01T00:00:00"}, "expires_at"),  # no time zone
        ({"expires_at": (now + timedelta(days=1)).isoformat(), "expires_in_days": 3}, "expires_at"),
        ({"name": ""}, "name"),
    ]
    for body, field in cases:
        response = client.post("/api/tokens", json=body, headers=auth)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}, body


def test_lists_never_show_the_secret(client: TestClient, tenant: str, auth: dict[str, str]) -> None:
    rep = login(client, tenant, "rep")
    rep_id = client.get("/api/me", headers=rep).json()["id"]
    admin_id = client.get("/api/me", headers=auth).json()["id"]
    mine = client.post("/api/tokens", json={"name": "rep's"}, headers=rep).json()
    client.post("/api/tokens", json={"name": "admin's"}, headers=auth)
    listed = client.get("/api/tokens", headers=rep).json()
    assert [t["name"] for t in listed] == ["rep's"]
    assert set(listed[0]) == {
        "id",
        "name",
        "user_id",
        "username",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert mine["token"] not in client.get("/api/tokens", headers=auth).text
    everyone = client.get("/api/tokens", headers=auth).json()
    assert [t["name"] for t in everyone] == ["admin's", "rep's"]
    only_rep = client.get("/api/tokens", headers=auth, params={"user_id": rep_id}).json()
    assert [t["username"] for t in only_rep] == ["rep"]
    assert client.get("/api/tokens", headers=rep, params={"user_id": admin_id}).status_code == 403


def test_revoking_takes_effect_at_once(
    client: TestClient, tenant: str, auth: dict[str, str]
) -> None:
    rep = login(client, tenant, "rep")
    rep_token = client.post("/api/tokens", json={"name": "a"}, headers=rep).json()
    admin_token = client.post("/api/tokens", json={"name": "b"}, headers=auth).json()
    assert client.get("/api/me", headers=bearer(rep_token["token"])).status_code == 200
    # Someone else's token is simply not there for a non-admin.
    assert client.delete(f"/api/tokens/{admin_token['id']}", headers=rep).status_code == 404
    assert client.delete("/api/tokens/999999", headers=rep).status_code == 404
    assert client.delete("/api/tokens/0", headers=rep).status_code == 422
    assert client.get("/api/me", headers=bearer(admin_token["token"])).status_code == 200
    assert client.delete(f"/api/tokens/{rep_token['id']}", headers=rep).status_code == 204
    assert client.get("/api/me", headers=bearer(rep_token["token"])).status_code == 401
    assert (
        client.delete(f"/api/tokens/{rep_token['id']}", headers=rep).status_code == 204
    )  # idempotent
    other = client.post("/api/tokens", json={"name": "c"}, headers=rep).json()
    assert (
        client.delete(f"/api/tokens/{other['id']}", headers=auth).status_code == 204
    )  # admin: any
    assert client.get("/api/me", headers=bearer(other["token"])).status_code == 401
    listed = {t["id"]: t for t in client.get("/api/tokens", headers=rep).json()}
    assert listed[rep_token["id"]]["revoked_at"] is not None
    events = client.get("/api/security-events", headers=auth).json()["items"]
    revoked = [e for e in events if e["action"] == "token_revoked"]
    created = [e for e in events if e["action"] == "token_created"]
    assert len(revoked) == 2 and len(created) == 3


def test_an_expired_token_answers_401(
    client: TestClient, tenant: str, platform: Platform, auth: dict[str, str]
) -> None:
    token = client.post("/api/tokens", json={"name": "old"}, headers=auth).json()
    with platform.store.write(tenant) as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(
            update(api_tokens).where(api_tokens.c.id == token["id"]).values(expires_at=past)
        )
    response = client.get("/api/me", headers=bearer(token["token"]))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_last_used_is_written_at_most_once_a_minute(
    client: TestClient, tenant: str, platform: Platform, auth: dict[str, str]
) -> None:
    token = client.post("/api/tokens", json={"name": "x"}, headers=auth).json()
    assert token["last_used_at"] is None

    def last_used() -> datetime | None:
        with platform.store.read(tenant) as conn:
            return conn.scalar(
                select(api_tokens.c.last_used_at).where(api_tokens.c.id == token["id"])
            )

    client.get("/api/me", headers=bearer(token["token"]))
    first = last_used()
    assert first is not None
    client.get("/api/me", headers=bearer(token["token"]))
    assert last_used() == first
    with platform.store.write(tenant) as conn:
        old = datetime.now(UTC) - timedelta(minutes=2)
        conn.execute(
            update(api_tokens).where(api_tokens.c.id == token["id"]).values(last_used_at=old)
        )
    client.get("/api/me", headers=bearer(token["token"]))
    used = last_used()
    assert used is not None and used > old + timedelta(minutes=1)
    shown = next(
        t for t in client.get("/api/tokens", headers=auth).json() if t["id"] == token["id"]
    )
    assert when(shown["last_used_at"]) == used


def test_a_token_naming_an_unknown_tenant_is_401(client: TestClient) -> None:
    for text in ("fwt.nope.secret", "fwt.NOT A TENANT.x", "fwt..", "fwt.a.b.c"):
        assert client.get("/api/me", headers=bearer(text)).status_code == 401, text
