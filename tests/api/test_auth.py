"""Logging in, sessions and API tokens."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_login_and_me(client: TestClient, tenant: str) -> None:
    response = client.post(
        "/api/auth/login", json={"tenant": tenant, "username": "admin", "password": "pw"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "admin" and body["token_type"] == "bearer"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["tenant"] == tenant and me.json()["is_admin"] is True


def test_wrong_credentials_are_one_answer(client: TestClient, tenant: str) -> None:
    for body in (
        {"tenant": tenant, "username": "admin", "password": "wrong"},
        {"tenant": tenant, "username": "ghost", "password": "pw"},
        {"tenant": "no_such_tenant", "username": "admin", "password": "pw"},
    ):
        response = client.post("/api/auth/login", json=body)
        assert response.status_code == 401
        assert response.json()["detail"] == "unknown tenant, user name or password"


def test_requests_need_a_valid_token(client: TestClient, tenant: str) -> None:
    assert client.get("/api/apps").status_code == 401
    bad = client.get("/api/apps", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"


def test_api_token(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post("/api/tokens", json={"name": "erp"}, headers=auth)
    assert created.status_code == 201
    token = created.json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "admin"
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401


def test_installing_apps_needs_an_admin(client: TestClient, tenant: str) -> None:
    from tests.conftest import login

    rep = login(client, tenant, "rep")
    response = client.post("/api/apps", json={"key": "x"}, headers=rep)
    assert response.status_code == 403


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"


def test_catalogue_lists_field_types_and_functions(
    client: TestClient, auth: dict[str, str]
) -> None:
    types = {t["type"]: t for t in client.get("/api/catalog/field-types", headers=auth).json()}
    assert types["formula"]["writable"] is False and types["text"]["writable"] is True
    assert "max_length" in types["text"]["options_schema"]["properties"]
    functions = client.get("/api/catalog/functions", headers=auth).json()
    assert len(functions) >= 40 and all(f["example"] for f in functions)


def test_catalogue_lists_filter_operators(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/api/catalog/filters", headers=auth)
    assert response.status_code == 200 and response.json()
