"""Security headers, request ids, the access log, and who may read the API docs."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware.headers import CONTENT_SECURITY_POLICY
from api.platform import Platform


@pytest.fixture
def web_client(platform: Platform, tmp_path: Path) -> TestClient:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Formwork</title>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    settings = dataclasses.replace(platform.settings, web_dist=dist)
    return TestClient(create_app(settings, platform), raise_server_exceptions=False)


@pytest.mark.parametrize("path", ["/", "/apps/crm/customer", "/assets/app.js"])
def test_web_app_has_csp_and_friends(web_client: TestClient, path: str) -> None:
    response = web_client.get(path)
    assert response.status_code == 200
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_api_answers_are_not_cached(web_client: TestClient, auth: dict[str, str]) -> None:
    for response in (
        web_client.get("/api/me", headers=auth),
        web_client.get("/api/me"),  # the 401 from the middleware too
        web_client.get("/api/health"),
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in response.headers


def test_request_id_is_honoured_when_sane(client: TestClient) -> None:
    response = client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    response = client.get("/api/health", headers={"X-Request-ID": "evil\tvalue" + "x" * 100})
    assert response.headers["x-request-id"] not in ("", "evil\tvalue" + "x" * 100)
    assert len(response.headers["x-request-id"]) == 32


def test_access_log_is_one_json_line_without_secrets(
    client: TestClient, tenant: str, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    token = auth["Authorization"].split()[1]
    with caplog.at_level(logging.INFO, logger="formwork.access"):
        client.get("/api/me?token=secret-token&sig=secret-sig", headers=auth)
        client.post(
            "/api/auth/login", json={"tenant": tenant, "username": "admin", "password": "pw"}
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "formwork.access"]
    assert len(lines) == 2
    entry = json.loads(lines[0])
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/me"
    assert entry["status"] == 200
    assert entry["tenant"] == tenant
    assert isinstance(entry["user"], int)
    assert entry["bytes"] > 0 and entry["duration_ms"] >= 0
    assert entry["ip"] and entry["request_id"] and entry["time"]
    for line in lines:
        assert "secret" not in line and token not in line and '"pw"' not in line


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_docs_need_a_login_outside_demo_mode(
    platform: Platform, auth: dict[str, str], path: str
) -> None:
    client = TestClient(create_app(platform.settings, platform), raise_server_exceptions=False)
    assert client.get(path).status_code == 401
    assert client.get(path, headers=auth).status_code == 200
    for settings in (
        dataclasses.replace(platform.settings, demo=True),
        dataclasses.replace(platform.settings, public_docs=True),
    ):
        open_client = TestClient(create_app(settings, platform), raise_server_exceptions=False)
        assert open_client.get(path).status_code == 200
