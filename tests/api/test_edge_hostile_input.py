"""Hostile input found by attacking a running server: each answered 500 before.

Lone surrogates (JSON escapes like ``\\ud800`` that no UTF-8 can encode), NUL
characters, ids past the INTEGER columns, file-system limits in the web
app's catch-all route, and the methods a resource must (or must not) answer.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.params import MAX_ID

SURROGATE = '"\\ud800"'  # JSON text of a lone surrogate
NUL = '"a\\u0000b"'  # JSON text of a string holding NUL


def _fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def _raw_json(
    client: TestClient, method: str, url: str, body: str, auth: dict[str, str]
) -> httpx.Response:
    headers = {**auth, "content-type": "application/json"}
    response: httpx.Response = client.request(method, url, content=body, headers=headers)
    return response


@pytest.mark.parametrize("value", [SURROGATE, NUL, f"[{SURROGATE}]", f'{{"x": {NUL}}}'])
@pytest.mark.parametrize("path", ["", "/aggregate", "/export"])
def test_unstorable_text_in_a_filter_value_is_422_naming_it(
    client: TestClient, auth: dict[str, str], mini_crm: str, path: str, value: str
) -> None:
    condition = '{"field": "name", "op": "eq", "value": ' + value + "}"
    grouped = '{"and": [{"field": "name", "op": "ne", "value": "x"}, ' + condition + "]}"
    for text, where in ((condition, "filter.value"), (grouped, "filter.and[1].value")):
        response = client.get(
            f"/api/apps/mini_crm/customer{path}", params={"filter": text}, headers=auth
        )
        assert response.status_code == 422, response.text
        assert _fields(response) == [where]


def test_an_error_echoing_a_lone_surrogate_is_valid_json(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    # The unknown key is echoed as the error's field: it could not be encoded.
    body = '{"name": "ok", ' + SURROGATE + ": 1}"
    response = _raw_json(client, "POST", "/api/apps/mini_crm/customer", body, auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _fields(response) == ["\ud800"]


@pytest.mark.parametrize("value", [MAX_ID + 1, 2**63, 2**64 + 1, 10**30])
def test_system_ids_past_the_column_are_422(
    client: TestClient, auth: dict[str, str], mini_crm: str, value: int
) -> None:
    for key in ("id", "version", "created_by"):
        response = client.get("/api/apps/mini_crm/customer", params={key: str(value)}, headers=auth)
        assert response.status_code == 422, response.text
        assert _fields(response) == [key]
        condition = json.dumps({"field": key, "op": "eq", "value": value})
        response = client.get(
            "/api/apps/mini_crm/customer", params={"filter": condition}, headers=auth
        )
        assert response.status_code == 422, response.text
        assert _fields(response) == ["filter.value"]
    response = client.get("/api/apps/mini_crm/customer", params={"id": "9" * 5000}, headers=auth)
    assert response.status_code == 422
    assert _fields(response) == ["id"]


def test_the_largest_id_is_a_valid_filter(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    response = client.get("/api/apps/mini_crm/customer", params={"id": str(MAX_ID)}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


@pytest.mark.parametrize("key", ["tenant", "username", "password"])
def test_nul_in_a_login_field_is_422_naming_it(client: TestClient, tenant: str, key: str) -> None:
    body = {"tenant": tenant, "username": "admin", "password": "pw", key: "ad\x00min"}
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 422, response.text
    assert _fields(response) == [key]


def test_nul_in_a_token_name_is_422_naming_it(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/tokens", json={"name": "ci\x00"}, headers=auth)
    assert response.status_code == 422, response.text
    assert _fields(response) == ["name"]
    assert client.get("/api/tokens", headers=auth).json() == []


@pytest.mark.parametrize(
    "path", ["/" + "a" * 300, "/a" * 3000, "/assets/" + "b" * 300, "/x/" + "c" * 5000]
)
def test_web_paths_the_file_system_refuses_are_the_page_not_500(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404), response.text
    if response.status_code == 200:
        assert response.headers["content-type"].startswith("text/html")


def test_head_of_the_web_app_is_answered(client: TestClient) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in response.headers
    assert client.head("/crm/lead/1").status_code == 200


def test_a_wrong_method_on_the_api_is_405_with_allow(
    client: TestClient, auth: dict[str, str]
) -> None:
    for method in ("HEAD", "DELETE", "PUT", "TRACE", "OPTIONS"):
        response = client.request(method, "/api/me", headers=auth)
        assert response.status_code == 405, (method, response.text)
        assert response.headers["allow"] == "GET"
    # An unknown API path is a 404 of the API, never the web page.
    response = client.get("/api/no-such-thing", headers=auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert client.head("/api/no-such-thing", headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("text", "message"), [(SURROGATE, "lone surrogate"), (NUL, "NUL characters")]
)
def test_unstorable_text_in_a_definition_is_422_naming_its_path(
    client: TestClient,
    auth: dict[str, str],
    example_definition: dict[str, Any],
    text: str,
    message: str,
) -> None:
    definition = json.dumps({**example_definition, "label": {"en": "@@"}}).replace('"@@"', text)
    response = _raw_json(client, "POST", "/api/apps", definition, auth)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "$.label.en"
    assert message in error["message"]
    assert client.get("/api/apps", headers=auth).json() == []
    # The same in a draft of an installed app, deep in a field.
    assert client.post("/api/apps", json=example_definition, headers=auth).status_code == 201
    draft = json.loads(json.dumps(example_definition))
    draft["entities"][0]["fields"][0]["label"] = {"en": "@@"}
    body = json.dumps(draft).replace('"@@"', text)
    response = _raw_json(client, "PUT", "/api/apps/mini_crm/definition/draft", body, auth)
    assert response.status_code == 422, response.text
    assert _fields(response) == ["$.entities[0].fields[0].label.en"]
