"""Server-side sessions: log out, list and revoke, deactivation, on the next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from api.platform import Platform
from engine.accounts.security_events import REFUSALS_PER_WINDOW
from engine.store.tables import audit_log, sessions
from tests.conftest import login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_opens_a_session_the_token_names(
    client: TestClient, tenant: str, platform: Platform
) -> None:
    long_agent = "Mozilla/5.0 " + "x" * 500
    response = client.post(
        "/api/auth/login",
        json={"tenant": tenant, "username": "rep", "password": "pw"},
        headers={"User-Agent": long_agent},
    )
    token = response.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    listed = client.get("/api/sessions", headers=bearer(token)).json()
    assert [s["id"] for s in listed] == [claims["sid"]]
    mine = listed[0]
    assert mine["current"] is True and mine["ip"] == "testclient" and mine["revoked_at"] is None
    assert mine["user_agent"] == long_agent[:200]
    assert response.json()["expires_at"] == mine["expires_at"]


def test_logout_ends_the_session_on_the_server(client: TestClient, tenant: str) -> None:
    rep = login(client, tenant, "rep")
    other = login(client, tenant, "rep")
    assert client.post("/api/auth/logout", headers=rep).status_code == 204
    assert client.get("/api/me", headers=rep).status_code == 401
    assert client.post("/api/auth/logout", headers=rep).status_code == 401
    assert client.get("/api/me", headers=other).status_code == 200  # only that session


def test_a_user_revokes_their_own_sessions_only(client: TestClient, tenant: str) -> None:
    rep, rep_phone, admin = (
        login(client, tenant, "rep"),
        login(client, tenant, "rep"),
        login(client, tenant),
    )
    admin_session = client.get("/api/sessions", headers=admin).json()[0]["id"]
    assert client.delete(f"/api/sessions/{admin_session}", headers=rep).status_code == 404
    assert client.delete("/api/sessions/no-such-session", headers=rep).status_code == 404
    assert client.get("/api/me", headers=admin).status_code == 200
    phone = next(s for s in client.get("/api/sessions", headers=rep).json() if not s["current"])
    assert client.delete(f"/api/sessions/{phone['id']}", headers=rep).status_code == 204
    assert client.get("/api/me", headers=rep_phone).status_code == 401
    assert client.get("/api/me", headers=rep).status_code == 200
    assert len(client.get("/api/sessions", headers=rep).json()) == 1


def test_admins_list_and_revoke_anyones_sessions(client: TestClient, tenant: str) -> None:
    admin, rep = login(client, tenant), login(client, tenant, "rep")
    rep_id = client.get("/api/me", headers=rep).json()["id"]
    admin_id = client.get("/api/me", headers=admin).json()["id"]
    assert client.get("/api/sessions", headers=rep, params={"user_id": admin_id}).status_code == 403
    listed = client.get("/api/sessions", headers=admin, params={"user_id": rep_id}).json()
    assert len(listed) == 1 and listed[0]["user_id"] == rep_id and listed[0]["current"] is False
    assert client.delete(f"/api/sessions/{listed[0]['id']}", headers=admin).status_code == 204
    assert client.get("/api/me", headers=rep).status_code == 401
    events = client.get("/api/security-events", headers=admin, params={"action": "session_revoked"})
    (event,) = events.json()["items"]
    assert event["user_id"] == admin_id and event["detail"]["owner_id"] == rep_id


def test_revocation_reaches_every_process_on_the_next_request(
    client: TestClient, tenant: str, platform: Platform
) -> None:
    rep = login(client, tenant, "rep")
    assert client.get("/api/me", headers=rep).status_code == 200  # this process has seen it
    other_process = Platform(platform.settings)
    try:
        other = TestClient(
            create_app(platform.settings, other_process), raise_server_exceptions=False
        )
        assert other.post("/api/auth/logout", headers=rep).status_code == 204
    finally:
        other_process.close()
    assert client.get("/api/me", headers=rep).status_code == 401


def test_deactivating_a_user_revokes_their_sessions_and_tokens(
    client: TestClient, tenant: str, auth: dict[str, str]
) -> None:
    rep = login(client, tenant, "rep")
    rep_id = client.get("/api/me", headers=rep).json()["id"]
    token = client.post("/api/tokens", json={"name": "erp"}, headers=rep).json()["token"]
    assert client.get("/api/me", headers=bearer(token)).status_code == 200
    assert client.post(f"/api/users/{rep_id}/deactivate", headers=rep).status_code == 403
    assert client.post(f"/api/users/{rep_id}/deactivate", headers=auth).status_code == 204
    assert client.get("/api/me", headers=rep).status_code == 401
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    relogin = {"tenant": tenant, "username": "rep", "password": "pw"}
    assert client.post("/api/auth/login", json=relogin).status_code == 401
    assert client.post(f"/api/users/{rep_id}/activate", headers=auth).status_code == 204
    assert client.post("/api/auth/login", json=relogin).status_code == 200
    assert client.get("/api/me", headers=rep).status_code == 401  # old ones stay revoked
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/users/999999/deactivate", headers=auth).status_code == 404
    me = client.get("/api/me", headers=auth).json()["id"]
    assert client.post(f"/api/users/{me}/deactivate", headers=auth).status_code == 409


def test_expired_and_sessionless_tokens_answer_401(
    client: TestClient, tenant: str, platform: Platform
) -> None:
    rep = login(client, tenant, "rep")
    sid = jwt.decode(rep["Authorization"][7:], options={"verify_signature": False})["sid"]
    with platform.store.write(tenant) as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        conn.execute(update(sessions).where(sessions.c.id == sid).values(expires_at=past))
    assert client.get("/api/me", headers=rep).status_code == 401
    # A well-signed token of the old kind (no session) is refused too.
    secret = platform.settings.secret_key
    old = jwt.encode({"tenant": tenant, "sub": "1", "exp": 4102444800}, secret, algorithm="HS256")
    assert client.get("/api/me", headers=bearer(old)).status_code == 401
    forged = jwt.encode(
        {"tenant": tenant, "sub": "1", "sid": sid, "exp": 4102444800}, "x" * 48, algorithm="HS256"
    )
    assert client.get("/api/me", headers=bearer(forged)).status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(
    client: TestClient, tenant: str, platform: Platform
) -> None:
    rep = login(client, tenant, "rep")
    sid = jwt.decode(rep["Authorization"][7:], options={"verify_signature": False})["sid"]

    def last_seen() -> datetime:
        with platform.store.read(tenant) as conn:
            seen = conn.scalar(select(sessions.c.last_seen_at).where(sessions.c.id == sid))
        assert isinstance(seen, datetime)
        return seen

    first = last_seen()
    client.get("/api/me", headers=rep)
    assert last_seen() == first  # within the minute: no write
    with platform.store.write(tenant) as conn:
        old = datetime.now(UTC) - timedelta(minutes=5)
        conn.execute(update(sessions).where(sessions.c.id == sid).values(last_seen_at=old))
    client.get("/api/me", headers=rep)
    assert last_seen() > old + timedelta(minutes=4)


def test_refusals_are_audited_at_a_bounded_rate(
    client: TestClient, tenant: str, platform: Platform, auth: dict[str, str]
) -> None:
    rep = login(client, tenant, "rep")
    for _ in range(3):
        assert client.post("/api/apps", json={"key": "x"}, headers=rep).status_code == 403
    events = client.get(
        "/api/security-events", headers=auth, params={"action": "permission_denied"}
    )
    (event,) = events.json()["items"]
    assert event["username"] == "rep" and event["detail"] == {"method": "POST", "path": "/api/apps"}
    for n in range(REFUSALS_PER_WINDOW + 5):
        assert (
            client.get("/api/security-events", headers=rep, params={"page": n + 1}).status_code
            == 403
        )
    with platform.store.read(tenant) as conn:
        rows = conn.execute(
            select(audit_log.c.id).where(audit_log.c.action == "permission_denied")
        ).all()
    assert len(rows) == 2  # same path, whatever the query: one row per path per minute
    for n in range(REFUSALS_PER_WINDOW + 5):
        client.post(f"/api/users/{n + 1000}/activate", headers=rep)
    with platform.store.read(tenant) as conn:
        rows = conn.execute(
            select(audit_log.c.id).where(audit_log.c.action == "permission_denied")
        ).all()
    assert len(rows) == REFUSALS_PER_WINDOW


def test_security_events_are_for_admins_newest_first_and_paged(
    client: TestClient, tenant: str, auth: dict[str, str]
) -> None:
    rep = login(client, tenant, "rep")
    assert client.get("/api/security-events", headers=rep).status_code == 403
    for _ in range(3):
        login(client, tenant, "rep")
    first = client.get(
        "/api/security-events", headers=auth, params={"page_size": 2, "action": "login"}
    ).json()
    assert first["has_more"] is True and len(first["items"]) == 2
    assert [e["username"] for e in first["items"]] == ["rep", "rep"]
    assert first["items"][0]["at"] >= first["items"][1]["at"]
    rest = client.get(
        "/api/security-events", headers=auth, params={"page_size": 2, "page": 3, "action": "login"}
    ).json()
    assert rest["has_more"] is False and [e["username"] for e in rest["items"]] == ["admin"]
    bad = client.get("/api/security-events", headers=auth, params={"action": "nope", "page": 0})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {
        "action",
        "page",
    }
