"""Hooks of the platform through the HTTP API, on SQLite and PostgreSQL.

Each test swaps the session's platform hooks for its own (the start-up list
plus what it tests) and puts them back: routes read ``platform.hooks`` on
every request, as they would the hooks built once at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.forms.context import WriteContext
from engine.forms.events import RecordsCreated
from engine.forms.hooks import MAX_CAUSE_DEPTH, Hooks, PendingWrite, WriteRefused
from engine.forms.records import create_record
from engine.startup import register_hooks
from tests.api.test_records import audit_count, make_customer, row_count

BASE = "/api/apps/mini_crm"


@pytest.fixture
def hooks(platform: Platform) -> Iterator[Hooks]:
    started = platform.hooks
    platform.hooks = Hooks()
    register_hooks(platform.hooks, platform.store)
    yield platform.hooks
    platform.hooks = started


def test_the_start_up_list_registers_the_pool_read_scope(platform: Platform) -> None:
    # engine.actions contributes the pools; api/ passes the hooks, not pool_reach.
    assert len(platform.hooks.read_scopes) == 1
    assert platform.hooks.read_scopes[0].__module__ == "engine.actions.pools"


def test_a_loop_of_writes_is_refused_naming_the_chain(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    platform: Platform,
    tenant: str,
    hooks: Hooks,
) -> None:
    def echo(ctx: WriteContext, event: RecordsCreated) -> None:
        caused = ctx.caused_by(event)
        create_record(
            caused, caused.app.entities["customer"], {"name": f"echo {len(caused.cause)}"}
        )

    before = audit_count(platform, tenant)
    hooks.subscribe(RecordsCreated, echo)
    response = client.post(f"{BASE}/customer", json={"name": "Loop"}, headers=auth)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert f"deeper than {MAX_CAUSE_DEPTH}" in problem["detail"]
    assert "create mini_crm.customer #" in problem["detail"]
    assert len(problem["chain"]) == MAX_CAUSE_DEPTH + 1
    # Nothing of the chain was written: no customer, no audit row.
    assert row_count(platform, tenant, "a_mini_crm__customer") == 0
    assert audit_count(platform, tenant) == before


def test_a_guard_refuses_an_update_with_its_error(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    platform: Platform,
    tenant: str,
    hooks: Hooks,
) -> None:
    created = make_customer(client, auth, name="Locked", credit_limit=100)

    def locked(ctx: WriteContext, write: PendingWrite) -> None:
        if write.kind in ("update", "delete") and write.record_id == created["id"]:
            raise WriteRefused(f"customer #{write.record_id} is under approval")

    hooks.guard(locked)
    before = audit_count(platform, tenant)
    url = f"{BASE}/customer/{created['id']}"
    response = client.patch(url, json={"credit_limit": 999, "version": 1}, headers=auth)
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == f"customer #{created['id']} is under approval"
    assert client.delete(url, headers=auth).status_code == 409
    fetched = client.get(url, headers=auth).json()
    assert (fetched["credit_limit"], fetched["version"]) == (100, 1)
    assert audit_count(platform, tenant) == before
    # Other records are not the guard's business.
    other = make_customer(client, auth, name="Free")
    patched = client.patch(
        f"{BASE}/customer/{other['id']}", json={"credit_limit": 5, "version": 1}, headers=auth
    )
    assert patched.status_code == 200, patched.text
