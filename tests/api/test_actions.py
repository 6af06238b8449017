"""Record actions through HTTP: conversion, the pool's claim and return, concurrent
claims and the stale-return job, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app as cli
from api.platform import Platform
from engine.actions import run_action
from tests.conftest import login
from tests.engine.actions.sales_app import NOW, Sales, install_sales

BASE = "/api/apps/sales"


@dataclass
class Api:
    client: TestClient
    sales: Sales
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.headers:
            self.headers[username] = login(self.client, self.sales.tenant, username)
        return self.headers[username]

    def offered(self, username: str, lead: int) -> httpx.Response:
        return self.client.get(f"{BASE}/lead/{lead}/actions", headers=self.auth(username))

    def run(
        self, username: str, lead: int, action: str, body: Any = None, entity: str = "lead"
    ) -> httpx.Response:
        return self.client.post(
            f"{BASE}/{entity}/{lead}/actions/{action}", json=body, headers=self.auth(username)
        )


@pytest.fixture
def api(client: TestClient, platform: Platform, tenant: str) -> Api:
    return Api(client, install_sales(platform, tenant))


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_a_rep_claims_a_lead_and_converts_it(api: Api) -> None:
    lead = api.sales.lead("ACME", phone="13800000000", email="li@acme.cn")
    offered = api.offered("rep_a", lead)
    assert offered.status_code == 200
    assert [(a["key"], a["label"]["zh-CN"]) for a in offered.json()["items"]] == [("claim", "领取")]
    claimed = api.run("rep_a", lead, "claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["record"]["owner"] == api.sales.ids["rep_a"]
    assert [a["key"] for a in api.offered("rep_a", lead).json()["items"]] == [
        "convert",
        "give_back",
    ]
    converted = api.run("rep_a", lead, "convert", {"opportunity": {"amount": 50000}})
    assert converted.status_code == 200, converted.text
    body = converted.json()
    assert body["action"] == "convert" and body["record"]["status"] == "converted"
    created = body["created"]
    headers = api.auth("rep_a")
    customer = api.client.get(f"{BASE}/customer/{created['customer']}", headers=headers).json()
    contact = api.client.get(f"{BASE}/contact/{created['contact']}", headers=headers).json()
    deal = api.client.get(f"{BASE}/opportunity/{created['opportunity']}", headers=headers).json()
    assert customer["name"] == "ACME" and customer["owner"] == api.sales.ids["rep_a"]
    assert contact["customer"] == customer["id"] and contact["_display"]["customer"] == "ACME"
    assert (deal["customer"], deal["contact"], deal["lead"]) == (
        customer["id"],
        contact["id"],
        lead,
    )
    assert deal["amount"] == 50000 and deal["name"] == "ACME deal"
    assert body["record"]["converted_customer"] == customer["id"]
    history = api.client.get(f"{BASE}/lead/{lead}/history", headers=headers).json()
    assert [h["action"] for h in history] == ["create", "update", "action", "update", "action"]
    assert api.offered("rep_a", lead).json()["items"] == []  # converted: nothing left to do


def test_an_invalid_mapped_value_is_422_and_nothing_is_created(api: Api) -> None:
    lead = api.sales.lead("ACME", email="nope", owner=api.sales.ids["rep_a"])
    body = problem(api.run("rep_a", lead, "convert"), 422)
    assert body["errors"] == [
        {"field": "contact.email", "message": "must be an email address like name@example.com"}
    ]
    assert (api.sales.count("customer"), api.sales.count("contact")) == (0, 0)
    lead_now = api.client.get(f"{BASE}/lead/{lead}", headers=api.auth("rep_a")).json()
    assert (lead_now["status"], lead_now["version"]) == ("new", 1)


def test_what_the_api_answers_when_an_action_cannot_run(api: Api) -> None:
    mine = api.sales.lead("Mine", owner=api.sales.ids["rep_a"])
    assert problem(api.run("rep_a", mine, "fly"), 404)["detail"] == "lead has no action 'fly'"
    assert problem(api.run("rep_a", mine, "convert", entity="ghost"), 404)
    assert problem(api.run("rep_w", mine, "convert"), 404)["detail"] == (
        "lead: does not exist or you may not see it"
    )
    assert problem(api.offered("rep_w", mine), 404)
    assert "may not update" in problem(api.run("auditor", mine, "convert"), 403)["detail"]
    assert (
        problem(api.run("rep", mine, "convert"), 403)["detail"] == "you have no role in app 'sales'"
    )
    assert problem(api.run("rep_a", mine, "convert", ["not", "an", "object"]), 422)
    assert api.run("rep_a", mine, "convert").status_code == 200
    assert "not available" in problem(api.run("rep_a", mine, "convert"), 409)["detail"]


def test_a_rep_owns_no_more_open_leads_than_the_pool_allows(api: Api) -> None:
    leads = [api.sales.lead(f"Lead {i}") for i in range(3)]
    assert [api.run("rep_b", lead, "claim").status_code for lead in leads[:2]] == [200, 200]
    body = problem(api.run("rep_b", leads[2], "claim"), 409)
    assert body["detail"] == (
        "you own 2 open lead records already; the pool Lead pool allows 2 per person"
    )
    returned = api.run("rep_b", leads[0], "give_back", {"return_reason": "not_interested"})
    assert returned.status_code == 200 and returned.json()["record"]["owner"] is None
    assert api.run("rep_b", leads[2], "claim").status_code == 200


def test_giving_back_asks_for_the_reason(api: Api) -> None:
    lead = api.sales.lead(owner=api.sales.ids["rep_a"])
    body = problem(api.run("rep_a", lead, "give_back"), 422)
    assert body["errors"] == [
        {"field": "return_reason", "message": "is required: why does it go back?"}
    ]
    done = api.run("rep_a", lead, "give_back", {"return_reason": "not_interested"})
    assert done.json()["record"]["return_reason"] == "not_interested"
    # No longer theirs, but in the pool the rep sees: readable, not writable.
    headers = api.auth("rep_a")
    assert api.client.get(f"{BASE}/lead/{lead}", headers=headers).status_code == 200
    changed = api.client.patch(
        f"{BASE}/lead/{lead}", json={"company": "Kept", "version": 3}, headers=headers
    )
    assert changed.status_code == 403, changed.text


# -- concurrency --------------------------------------------------------------------------------
def _wait_for_a_waiter(api: Api, xid: str) -> None:
    """Until another transaction waits for ``xid``'s row lock (bounded, no sleeping)."""
    query = text(
        "SELECT count(*) FROM pg_locks "
        "WHERE locktype = 'transactionid' AND transactionid::text = :xid AND NOT granted"
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with api.sales.platform.store.read(api.sales.tenant) as conn:
            if conn.scalar(query, {"xid": xid}):
                return
    pytest.fail("the second claim never waited for the first one's lock")


def test_a_claim_waiting_for_another_gets_409(api: Api, backend: str) -> None:
    lead = api.sales.lead()
    headers = api.auth("rep_b")
    answers: list[httpx.Response] = []
    second = threading.Thread(
        target=lambda: answers.append(
            api.client.post(f"{BASE}/lead/{lead}/actions/claim", headers=headers)
        )
    )
    with api.sales.platform.store.write(api.sales.tenant) as conn:
        run_action(api.sales.context(conn, "rep_a"), "lead", lead, "claim", {})
        second.start()
        if backend == "postgresql":
            xid = str(conn.scalar(text("SELECT pg_current_xact_id()::text")))
            _wait_for_a_waiter(api, xid)
        # On SQLite the second request waits for the write lock (or starts after
        # the commit): either way it reads the lead as claimed.
    second.join(timeout=30)
    assert not second.is_alive()
    assert problem(answers[0], 409)["detail"] == "this lead is not in the pool (any more)"
    assert api.sales.read("lead", lead)["owner"] == api.sales.ids["rep_a"]


def test_claiming_ids_outside_the_pool_tells_nothing_about_them(api: Api) -> None:
    """Another rep's lead, a closed one and an id that never existed answer alike."""
    owned = api.sales.lead()
    assert api.run("rep_a", owned, "claim").status_code == 200
    missing = owned + 1000
    answers = [problem(api.run("rep_b", lead, "claim"), 409) for lead in (owned, missing)]
    assert answers[0] == answers[1]
    assert answers[0]["detail"] == answers[1]["detail"] == "this lead is not in the pool (any more)"
    # The owner still learns why they cannot claim their own lead again.
    assert problem(api.run("rep_a", owned, "claim"), 409)["detail"] == (
        "this lead is yours already, not in the pool"
    )


def test_of_two_claims_at_once_one_wins(api: Api) -> None:
    lead = api.sales.lead()
    headers = [api.auth("rep_a"), api.auth("rep_b")]
    start = threading.Barrier(2, timeout=30)
    answers: dict[int, int] = {}

    def claim(i: int) -> None:
        start.wait()
        response = api.client.post(f"{BASE}/lead/{lead}/actions/claim", headers=headers[i])
        answers[i] = response.status_code

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers.values()) == [200, 409]
    winner = next(i for i, status in answers.items() if status == 200)
    assert api.sales.read("lead", lead)["owner"] == api.sales.ids[["rep_a", "rep_b"][winner]]


# -- the stale-return job -----------------------------------------------------------------------
def _cli_env(platform: Platform) -> dict[str, str]:
    settings = platform.settings
    return {
        "FORMWORK_DATA_DIR": str(settings.data_dir),
        "FORMWORK_DATABASE_URL": settings.database_url,
        "FORMWORK_PG_SCHEMA_PREFIX": settings.pg_schema_prefix,
        "FORMWORK_SECRET_KEY": settings.secret_key,
    }


def test_the_job_returns_stale_leads_from_the_command_line(api: Api) -> None:
    sales = api.sales
    stale = sales.lead("Stale", owner=sales.ids["rep_a"], assigned_at=NOW.isoformat())
    followed = (NOW + timedelta(days=1)).isoformat()
    fresh = sales.lead("Fresh", owner=sales.ids["rep_a"], last_followed_up_at=followed)
    runner = CliRunner()
    env = _cli_env(sales.platform)
    arguments = ["jobs", "run", "--tenant", sales.tenant, "--now"]
    early = runner.invoke(cli, [*arguments, "2026-03-08T09:00:00+00:00"], env=env)
    assert early.exit_code == 0, early.output
    assert '"returned": 0' in early.output
    due = runner.invoke(
        cli, [*arguments, "2026-03-09T09:00:00+00:00", "--batch-size", "1"], env=env
    )
    assert due.exit_code == 0, due.output
    assert due.output.strip().endswith(
        '"pools": [{"app": "sales", "pool": "lead_pool", "returned": 1, "failed": {}}]}'
    )
    assert sales.read("lead", stale)["owner"] is None
    assert sales.read("lead", fresh)["owner"] == sales.ids["rep_a"]
    assert [a["key"] for a in api.offered("rep_b", stale).json()["items"]] == ["claim"]
    unknown = runner.invoke(cli, ["jobs", "run", "--tenant", "nobody_here"], env=env)
    assert unknown.exit_code == 1 and "does not exist" in unknown.output
    bad = runner.invoke(cli, [*arguments, "tomorrow"], env=env)
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
