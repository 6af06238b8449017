"""GET/POST /api/notifications: each user sees and marks only their own."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.platform import Platform
from engine.accounts.users import list_users
from engine.messaging import notify
from tests.conftest import login


def user_ids(platform: Platform, tenant: str) -> dict[str, int]:
    with platform.store.read(tenant) as conn:
        return {user.username: user.id for user in list_users(conn)}


def test_mine_unread_read_and_read_all(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]
) -> None:
    ids = user_ids(platform, tenant)
    with platform.store.write(tenant) as conn:
        notify(
            conn,
            [ids["admin"], ids["rep"]],
            title="Lead 1 assigned",
            app="crm",
            entity="lead",
            record_id=1,
            now=datetime.now(UTC),
        )
        notify(conn, [ids["admin"]], title="Lead 2 assigned", now=datetime.now(UTC))
    rep = login(client, tenant, "rep")
    assert client.get("/api/notifications/unread", headers=auth).json() == {"unread": 2}
    assert client.get("/api/notifications/unread", headers=rep).json() == {"unread": 1}
    body = client.get("/api/notifications", headers=auth).json()
    assert [item["title"] for item in body["items"]] == ["Lead 2 assigned", "Lead 1 assigned"]
    assert body["unread"] == 2
    newest = body["items"][0]["id"]
    # The rep cannot mark the admin's notification: as if it did not exist.
    refused = client.post(f"/api/notifications/{newest}/read", headers=rep)
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    marked = client.post(f"/api/notifications/{newest}/read", headers=auth)
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    unread = client.get("/api/notifications", params={"unread_only": True}, headers=auth).json()
    assert [item["title"] for item in unread["items"]] == ["Lead 1 assigned"]
    assert client.post("/api/notifications/read-all", headers=auth).json() == {"updated": 1}
    assert client.get("/api/notifications/unread", headers=auth).json() == {"unread": 0}
    assert client.get("/api/notifications/unread", headers=rep).json() == {"unread": 1}


def test_bad_input_is_a_4xx(client: TestClient, tenant: str, auth: dict[str, str]) -> None:
    assert client.post("/api/notifications/0/read", headers=auth).status_code == 422
    assert client.post("/api/notifications/99999/read", headers=auth).status_code == 404
    chinese = {**auth, "Accept-Language": "zh-CN"}
    missing = client.post("/api/notifications/99999/read", headers=chinese)
    assert missing.json()["detail"] == "通知 99999 不存在"
    assert (
        client.get("/api/notifications", params={"page_size": 0}, headers=auth).status_code == 422
    )
    assert client.get("/api/notifications").status_code == 401
