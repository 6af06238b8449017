"""GET /api/channels and PUT /api/channels/{key}: settings validated, secrets write-only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.platform import Platform
from engine.messaging.settings import get_settings
from tests.conftest import login

SMTP = {
    "host": "smtp.example.com",
    "port": 465,
    "from_address": "crm@example.com",
    "security": "ssl",
}


def by_key(client: TestClient, auth: dict[str, str]) -> dict[str, dict]:  # type: ignore[type-arg]
    response = client.get("/api/channels", headers=auth)
    assert response.status_code == 200
    return {entry["key"]: entry for entry in response.json()}


def test_the_catalogue_lists_every_channel_with_its_schema(
    client: TestClient, tenant: str, auth: dict[str, str]
) -> None:
    channels = by_key(client, auth)
    assert {"email", "sms", "webhook", "dingtalk", "wecom", "network"} <= set(channels)
    email = channels["email"]
    assert email["label"] == "Email"
    assert "host" in email["config_schema"]["properties"]
    assert email["settings"] == {"config": {}, "has_secret": False, "updated_at": None}
    zh = client.get("/api/channels", params={"lang": "zh-CN"}, headers=auth).json()
    assert next(e for e in zh if e["key"] == "email")["label"] == "电子邮件"


def test_the_smtp_password_is_write_only(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]
) -> None:
    secret = "s3cret-pw-xyz"
    put = client.put("/api/channels/email", json={"config": SMTP, "secret": secret}, headers=auth)
    assert put.status_code == 200, put.text
    assert put.json()["has_secret"] is True and put.json()["config"]["host"] == "smtp.example.com"
    assert secret not in put.text
    listed = client.get("/api/channels", headers=auth)
    assert secret not in listed.text
    # Omitted: unchanged.
    changed = {**SMTP, "port": 587, "security": "starttls"}
    assert client.put("/api/channels/email", json={"config": changed}, headers=auth).json()[
        "has_secret"
    ]
    with platform.store.read(tenant) as conn:
        stored = get_settings(conn, "email")
    assert stored.secret == secret and stored.config["port"] == 587
    # null: cleared.
    cleared = client.put(
        "/api/channels/email", json={"config": changed, "secret": None}, headers=auth
    )
    assert cleared.json()["has_secret"] is False


def test_invalid_settings_are_a_422_naming_the_field(
    client: TestClient, tenant: str, auth: dict[str, str]
) -> None:
    bad = client.put("/api/channels/email", json={"config": {**SMTP, "port": 70000}}, headers=auth)
    assert bad.status_code == 422
    assert [error["field"] for error in bad.json()["errors"]] == ["config.port"]
    unknown = client.put("/api/channels/email", json={"config": {**SMTP, "x": 1}}, headers=auth)
    assert unknown.status_code == 422
    assert client.put("/api/channels/pigeon", json={"config": {}}, headers=auth).status_code == 404


def test_network_allowlist_reaches_every_channel(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]
) -> None:
    put = client.put(
        "/api/channels/network",
        json={"config": {"allowed_hosts": ["Intranet.local"]}},
        headers=auth,
    )
    assert put.status_code == 200, put.text
    with platform.store.read(tenant) as conn:
        assert get_settings(conn, "webhook").allowed_hosts == frozenset({"intranet.local"})


def test_only_admins(client: TestClient, tenant: str) -> None:
    rep = login(client, tenant, "rep")
    assert client.get("/api/channels", headers=rep).status_code == 403
    assert client.put("/api/channels/email", json={"config": SMTP}, headers=rep).status_code == 403
