"""Tenants are isolated structurally: another tenant's rows do not exist here."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.accounts.users import create_user
from tests.conftest import login


@pytest.fixture
def other_tenant(platform: Platform) -> Iterator[str]:
    key = f"other_{secrets.token_hex(3)}"
    platform.store.create_tenant(key, key)
    with platform.store.write(key) as conn:
        create_user(conn, platform.passwords, "admin", "pw", "Other admin", is_admin=True)
    yield key
    platform.store.drop_tenant(key)


def test_records_of_another_tenant_are_invisible(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    other_tenant: str,
    example_definition: dict[str, Any],
) -> None:
    other_auth = login(client, other_tenant)
    assert client.post("/api/apps", json=example_definition, headers=other_auth).status_code == 201
    theirs = client.post(
        "/api/apps/mini_crm/customer", json={"name": "Theirs"}, headers=other_auth
    ).json()
    ours = client.get("/api/apps/mini_crm/customer", headers=auth).json()
    assert ours["total"] == 0
    assert (
        client.get(f"/api/apps/mini_crm/customer/{theirs['id']}", headers=auth).status_code == 404
    )
    linked = client.post(
        "/api/apps/mini_crm/opportunity",
        json={"name": "Cross", "customer": theirs["id"]},
        headers=auth,
    )
    assert linked.status_code == 422
    assert linked.json()["errors"][0]["field"] == "customer"


def test_tokens_do_not_cross_tenants(
    client: TestClient, auth: dict[str, str], other_tenant: str
) -> None:
    token = client.post("/api/tokens", json={"name": "erp"}, headers=auth).json()["token"]
    tenant_in_token = token.split(".")[1]
    assert tenant_in_token != other_tenant
    forged = token.replace(f".{tenant_in_token}.", f".{other_tenant}.")
    assert client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
