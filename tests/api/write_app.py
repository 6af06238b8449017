"""A small app with every kind of write condition, and a fixture that installs it.

``deal.amount`` is read-only once the deal is closed (``readonly_when``),
``deal.reason`` required then (``required_when``), ``deal.discount``
read-only for reps (role level), a line's ``qty`` read-only once the line is
``fixed`` (a sub-field's ``readonly_when``); accounts have unique names and
deals link to them with ``on_delete: restrict``. The ``adjust`` action lets
its user type a new amount and reason.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.accounts.users import create_user, grant_role
from tests.conftest import login

BASE = "/api/apps/deals"

WRITE_APP: dict[str, Any] = {
    "key": "deals",
    "version": "1.0.0",
    "entities": [
        {
            "key": "account",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True, "unique": True},
                {"key": "owner", "type": "user", "default": "=CURRENT_USER()"},
            ],
        },
        {
            "key": "deal",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {
                    "key": "stage",
                    "type": "select",
                    "default": "open",
                    "options": [{"value": "open"}, {"value": "closed"}],
                },
                {"key": "amount", "type": "number", "readonly_when": "stage == 'closed'"},
                {"key": "reason", "type": "textarea", "required_when": "stage == 'closed'"},
                {"key": "discount", "type": "number"},
                {"key": "account", "type": "link", "target": "account", "on_delete": "restrict"},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [
                        {"key": "product", "type": "text"},
                        {"key": "fixed", "type": "boolean"},
                        {"key": "qty", "type": "number", "readonly_when": "fixed"},
                    ],
                },
            ],
        },
    ],
    "roles": [
        {
            "key": "rep",
            "permissions": {
                "account": {"read": "own", "create": True, "update": "own", "delete": "own"},
                "deal": {
                    "read": "own",
                    "create": True,
                    "update": "own",
                    "delete": "own",
                    "fields": {"discount": "read"},
                },
            },
        }
    ],
    "actions": [
        {
            "key": "adjust",
            "entity": "deal",
            "type": "set_fields",
            "label": {"en": "Adjust"},
            "input": ["amount", "reason"],
        }
    ],
}


@dataclass
class Deals:
    """The installed app and its people: ``admin``, ``rep`` and ``rep2`` (both reps)."""

    client: TestClient
    tenant: str
    platform: Platform
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if who not in self.headers:
            self.headers[who] = login(self.client, self.tenant, who)
        response: httpx.Response = self.client.request(
            method, BASE + path, headers=self.headers[who], **kwargs
        )
        return response

    def create(self, who: str, entity: str, **values: Any) -> dict[str, Any]:
        response = self.call(who, "POST", f"/{entity}", json=values)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def patch(self, who: str, path: str, version: int, **values: Any) -> httpx.Response:
        return self.call(who, "PATCH", path, json={"version": version, **values})

    def total(self, entity: str) -> int:
        return int(self.call("admin", "GET", f"/{entity}").json()["total"])


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    return [
        {"field": e["field"], "message": e["message"]} for e in response.json().get("errors", [])
    ]


@pytest.fixture
def deals(client: TestClient, auth: dict[str, str], platform: Platform, tenant: str) -> Deals:
    response = client.post("/api/apps", json=copy.deepcopy(WRITE_APP), headers=auth)
    assert response.status_code == 201, response.text
    with platform.store.write(tenant) as conn:
        rep = conn.exec_driver_sql("SELECT id FROM users WHERE username = 'rep'").scalar_one()
        grant_role(conn, rep, "deals", "rep")
        rep2 = create_user(conn, platform.passwords, "rep2", "pw", "Rep 2")
        grant_role(conn, rep2.id, "deals", "rep")
    return Deals(client, tenant, platform, {"admin": auth})
