"""Every 500 is a bug: known ones answer 4xx naming the input, and a 500 keeps the connection."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.params import MAX_ID
from api.platform import Platform
from engine.forms.records import MAX_PAGE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_that_fails(platform: Platform) -> FastAPI:
    """The real app plus two test-only public routes: one that fails, one that
    says which client port (so which TCP connection) it was called on."""
    app = create_app(platform.settings, platform)

    def boom() -> None:
        raise RuntimeError("a bug")

    def port(request: Request) -> dict[str, int]:
        assert request.client is not None
        return {"port": request.client.port}

    # First in the table, before the web app's catch-all GET route.
    app.router.routes[:0] = [APIRoute("/boom", boom), APIRoute("/port", port)]
    return app


@pytest.fixture
def live_url(platform: Platform) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        _app_that_fails(platform), host="127.0.0.1", port=port, log_level="critical", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_500_is_problem_json_and_keeps_the_connection(
    live_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="formwork.api"), httpx.Client() as http:
        first = http.get(f"{live_url}/port").json()["port"]
        failed = http.get(f"{live_url}/boom")
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.headers.get("connection", "").lower() != "close"
        assert failed.json()["status"] == 500
        assert "a bug" not in failed.text  # no internals in the answer
        # The same TCP connection (same client port) serves the next request.
        assert http.get(f"{live_url}/port").json()["port"] == first
    assert any("a bug" in (r.exc_text or "") for r in caplog.records)


def _list(client: TestClient, auth: dict[str, str], **params: str) -> httpx.Response:
    return _list_of(client, auth, "customer", **params)


def _fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    "page",
    [str(MAX_PAGE + 1), str(2**62), str(2**63), "9" * 30, "9" * 5000, "²", "--1", "-", "0"],
)
def test_page_out_of_bounds_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str, page: str
) -> None:
    response = _list(client, auth, page=page)
    assert response.status_code == 422
    assert _fields(response) == ["page"]


def test_last_allowed_page_is_empty_not_an_error(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    response = _list(client, auth, page=str(MAX_PAGE), page_size="500")
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    response = client.get(
        "/api/apps/mini_crm/customer/deleted", params={"page": "9" * 40}, headers=auth
    )
    assert response.status_code == 422


def test_page_size_out_of_bounds_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    assert _fields(_list(client, auth, page_size=str(2**64))) == ["page_size"]


def test_filter_nested_thousands_deep_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    condition = {"field": "name", "op": "eq", "value": "x"}
    text = '{"and":[' * 1500 + json.dumps(condition) + "]}" * 1500
    # Longer than the filter's text limit too; the nesting check of a short one below.
    assert _fields(_list(client, auth, filter=text)) == ["filter"]
    short = "[" * 4000 + "]" * 4000
    assert _fields(_list(client, auth, filter=short)) == ["filter"]
    groups = '{"and":[' * 20 + json.dumps(condition) + "]}" * 20
    assert _fields(_list(client, auth, filter=groups))[0].startswith("filter")


def test_filter_with_too_many_parts_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    wide = {"or": [{"and": [{"field": "name", "op": "eq", "value": "x"}]}] * 150}
    response = _list(client, auth, filter=json.dumps(wide, separators=(",", ":")))
    assert response.status_code == 422
    assert "filter" in _fields(response)


def test_deeply_nested_json_body_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    body = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(
        "/api/apps/mini_crm/customer",
        content=body,
        headers={**auth, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert _fields(response) == ["body"]


@pytest.mark.parametrize("record_id", [str(MAX_ID + 1), str(2**63), "9" * 40, "0"])
def test_record_id_beyond_64_bits_is_422(
    client: TestClient, auth: dict[str, str], mini_crm: str, record_id: str
) -> None:
    for method in ("GET", "DELETE"):
        response = client.request(method, f"/api/apps/mini_crm/customer/{record_id}", headers=auth)
        assert response.status_code == 422, response.text
        assert _fields(response) == ["record_id"]


def test_largest_record_id_is_a_404(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    response = client.get(f"/api/apps/mini_crm/customer/{MAX_ID}", headers=auth)
    assert response.status_code == 404


def test_nul_in_path_or_query_is_422_naming_it(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    response = client.get("/api/files/abc%00def", headers=auth)
    assert response.status_code == 422
    assert _fields(response) == ["path"]
    response = _list(client, auth, q="a\x00b")
    assert response.status_code == 422
    assert _fields(response) == ["q"]
    # Escaped inside the filter's JSON, it reaches the filter's own checks.
    condition = json.dumps({"field": "name", "op": "eq", "value": "a\x00"})
    assert _fields(_list(client, auth, filter=condition))[0].startswith("filter")


def test_a_value_the_database_refuses_is_422_not_500(client: TestClient, tenant: str) -> None:
    # PostgreSQL text cannot hold NUL; SQLite can, and simply finds no tenant.
    response = client.post(
        "/api/auth/login", json={"tenant": "t\x00x", "username": "admin", "password": "pw"}
    )
    assert response.status_code in (401, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_reference_ids_beyond_the_column_are_422_naming_the_field(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    big = 9 * 10**24
    response = client.post(
        "/api/apps/mini_crm/opportunity", json={"name": "x", "customer": big}, headers=auth
    )
    assert response.status_code == 422
    assert "customer" in _fields(response)
    response = client.get(
        "/api/apps/mini_crm/opportunity", params={"customer": str(big)}, headers=auth
    )
    assert response.status_code == 422
    assert _fields(response) == ["customer"]
    condition = json.dumps({"field": "customer", "op": "eq", "value": big})
    response = _list_of(client, auth, "opportunity", filter=condition)
    assert response.status_code == 422
    assert _fields(response)[0].startswith("filter")


def _list_of(
    client: TestClient, auth: dict[str, str], entity: str, **params: str
) -> httpx.Response:
    response: httpx.Response = client.get(
        f"/api/apps/mini_crm/{entity}", params=params, headers=auth
    )
    return response
