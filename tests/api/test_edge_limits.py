"""Request size limits per route class, and authentication before any body is read."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, MutableMapping
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.platform import Platform

MIB = 1024 * 1024


def call_asgi(
    app: FastAPI,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"{}",
    chunks: int = 1,
) -> tuple[int, dict[str, str], bytes, int]:
    """Call the app directly, sending ``body`` ``chunks`` times as a stream;
    returns status, headers, body and how many body chunks the app read."""
    reads = 0
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        if reads > chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": body, "more_body": reads < chunks}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def main() -> None:
        await app(scope, receive, send)

    anyio.run(main)
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    head = {bytes(k).decode(): bytes(v).decode() for k, v in start["headers"]}
    return start["status"], head, answer, reads


@pytest.fixture
def app(platform: Platform) -> FastAPI:
    return create_app(platform.settings, platform)


def test_declared_oversize_json_is_refused_unread(app: FastAPI, tenant: str) -> None:
    status, headers, body, reads = call_asgi(
        app,
        "POST",
        "/api/apps/mini_crm/customer",
        {"content-type": "application/json", "content-length": str(2 * MIB)},
    )
    assert status == 413
    assert reads == 0
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["errors"][0]["field"] == "body"


def test_anonymous_body_gets_401_unread(app: FastAPI, tenant: str) -> None:
    status, headers, _, reads = call_asgi(
        app, "POST", "/api/apps/mini_crm/customer", {"content-type": "application/json"}
    )
    assert (status, reads) == (401, 0)
    assert headers["www-authenticate"] == "Bearer"


def test_bad_token_gets_401_unread(app: FastAPI, tenant: str) -> None:
    headers = {"content-type": "application/json", "authorization": "Bearer not-a-token"}
    status, _, _, reads = call_asgi(app, "POST", "/api/apps/mini_crm/customer", headers)
    assert (status, reads) == (401, 0)


def test_a_valid_token_reaches_the_route(
    app: FastAPI, tenant: str, auth: dict[str, str], mini_crm: str
) -> None:
    headers = {"content-type": "application/json", **{k.lower(): v for k, v in auth.items()}}
    body = json.dumps({"name": "Acme"}).encode()
    status, _, answer, reads = call_asgi(app, "POST", "/api/apps/mini_crm/customer", headers, body)
    assert status == 201, answer
    assert reads == 1


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    yield b'{"name": "'
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


def test_streamed_oversize_body_is_cut_off(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    # A generator body goes out chunked, with no Content-Length to check up front.
    response = client.post(
        "/api/apps/mini_crm/customer",
        content=_chunks(2 * MIB),
        headers={**auth, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_stream_is_not_read_past_the_limit(
    app: FastAPI, tenant: str, auth: dict[str, str], mini_crm: str
) -> None:
    headers = {"content-type": "application/json", **{k.lower(): v for k, v in auth.items()}}
    chunk = b"x" * (256 * 1024)
    status, _, answer, reads = call_asgi(
        app, "POST", "/api/apps/mini_crm/customer", headers, chunk, chunks=1000
    )
    assert status == 413, answer
    assert reads == 5  # 1 MiB + one chunk, then the app is told the client left


def test_bulk_allows_more_than_a_json_body(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    records = [{"name": f"customer {i:05d} " + "x" * 150} for i in range(8000)]
    body = json.dumps(records).encode()
    assert MIB < len(body) < 16 * MIB
    headers = {**auth, "content-type": "application/json"}
    response = client.post("/api/apps/mini_crm/customer/bulk", content=body, headers=headers)
    assert response.status_code == 201, response.text[:300]
    assert response.json()["created"] == 8000
    # The same size to the plain create route is over its class's limit.
    response = client.post("/api/apps/mini_crm/customer", content=body, headers=headers)
    assert response.status_code == 413


def test_upload_limit_comes_from_settings(platform: Platform, auth: dict[str, str]) -> None:
    settings = dataclasses.replace(platform.settings, max_upload_mb=1)
    client = TestClient(create_app(settings, platform), raise_server_exceptions=False)
    files = {"file": ("big.bin", b"\0" * (MIB + 10), "application/octet-stream")}
    response = client.post("/api/files", files=files, headers=auth)
    assert response.status_code == 413
    assert "1 MiB" in response.json()["detail"]
    small = {"file": ("small.bin", b"\0" * (MIB // 2), "application/octet-stream")}
    response = client.post("/api/files", files=small, headers=auth)
    assert response.status_code == 201, response.text


def test_bad_content_length_is_a_400(app: FastAPI, tenant: str) -> None:
    headers = {"content-type": "application/json", "content-length": "lots"}
    status, _, _, reads = call_asgi(app, "POST", "/api/auth/login", headers)
    assert (status, reads) == (400, 0)


def test_login_and_health_stay_public(client: TestClient, tenant: str) -> None:
    assert client.get("/api/health").status_code == 200
    response = client.post(
        "/api/auth/login", json={"tenant": tenant, "username": "admin", "password": "pw"}
    )
    assert response.status_code == 200
