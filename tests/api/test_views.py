"""Saved views through HTTP: a view's filter (relative to who looks and when), its
default order, and the pool's records in a rep's read scope; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from builder.validate import DefinitionError, load_definition
from engine.expressions import TENANT_TZ
from tests.conftest import login
from tests.engine.actions.sales_app import Sales, install_sales, sales_app

BASE = "/api/apps/sales/lead"
OPEN = {"field": "status", "op": "in", "value": ["new", "contacting"]}
VIEWS: list[dict[str, Any]] = [
    {
        "type": "table",
        "entity": "lead",
        "key": "mine",
        "filter": {"and": [{"field": "owner", "op": "eq", "value": {"$user": "me"}}, OPEN]},
        "sort": ["company"],
    },
    {
        "type": "table",
        "entity": "lead",
        "key": "pool",
        "filter": {"and": [{"field": "owner", "op": "is_empty", "value": True}, OPEN]},
        "sort": ["-company"],
    },
    {
        "type": "table",
        "entity": "lead",
        "key": "call_soon",
        "filter": {"field": "next_call_on", "op": "lte", "value": {"$today": 2}},
    },
    {"type": "kanban", "entity": "lead", "key": "board", "group_by": "status"},
]


def with_views(views: list[dict[str, Any]]) -> dict[str, Any]:
    definition = sales_app()
    definition["views"] = views
    return definition


@pytest.fixture
def sales(platform: Platform, tenant: str) -> Sales:
    return install_sales(platform, tenant, with_views(VIEWS))


def companies(client: TestClient, headers: dict[str, str], query: str) -> list[str]:
    response = client.get(f"{BASE}?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["company"] for item in response.json()["items"]]


def test_my_view_and_the_pool_view_show_what_they_say(client: TestClient, sales: Sales) -> None:
    rep_a = sales.ids["rep_a"]
    sales.lead("Beta", owner=rep_a)
    sales.lead("Alpha", owner=rep_a)
    sales.lead("Gone", owner=rep_a, status="invalid")
    sales.lead("Other's", owner=sales.ids["rep_b"])
    sales.lead("Pool one")
    sales.lead("Pool two")
    headers = login(client, sales.tenant, "rep_a")
    assert companies(client, headers, "view=mine") == ["Alpha", "Beta"]
    # The view's order is only the default: the client's own sort wins.
    assert companies(client, headers, "view=mine&sort=-company") == ["Beta", "Alpha"]
    # The pool is in a rep's reach although their read scope is "own".
    assert companies(client, headers, "view=pool") == ["Pool two", "Pool one"]
    # A client's filter narrows the view further.
    narrowed = '{"field": "company", "op": "contains", "value": "two"}'
    assert companies(client, headers, f"view=pool&filter={narrowed}") == ["Pool two"]
    # "me" is whoever looks.
    assert companies(client, login(client, sales.tenant, "rep_b"), "view=mine") == ["Other's"]


def test_a_rep_lists_and_opens_pool_leads_but_not_others_leads(
    client: TestClient, sales: Sales
) -> None:
    pooled = sales.lead("In the pool")
    others = sales.lead("Rep B's", owner=sales.ids["rep_b"])
    closed = sales.lead("Closed, ownerless", status="invalid")
    headers = login(client, sales.tenant, "rep_a")
    listed = companies(client, headers, "sort=company")
    assert listed == ["In the pool"]
    assert client.get(f"{BASE}/{pooled}", headers=headers).status_code == 200
    for hidden in (others, closed):
        assert client.get(f"{BASE}/{hidden}", headers=headers).status_code == 404
    # Seeing is not owning: updating a pool lead needs a claim first.
    changed = client.patch(
        f"{BASE}/{pooled}", json={"company": "Mine now", "version": 1}, headers=headers
    )
    assert changed.status_code == 403, changed.text
    # A role the pool is not visible to keeps to its own scope.
    assert companies(client, login(client, sales.tenant, "auditor"), "sort=company") == [
        "Closed, ownerless",
        "In the pool",
        "Rep B's",
    ]


def test_today_in_a_view_is_the_tenants_today(client: TestClient, sales: Sales) -> None:
    today = datetime.now(TENANT_TZ).date()
    for days in (-1, 2, 3):
        sales.lead(f"in {days}", next_call_on=(today + timedelta(days=days)).isoformat())
    headers = login(client, sales.tenant, "admin")
    assert companies(client, headers, "view=call_soon&sort=next_call_on") == ["in -1", "in 2"]


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_an_unknown_view_is_a_422_naming_the_parameter(client: TestClient, sales: Sales) -> None:
    body = problem(client.get(f"{BASE}?view=nope", headers=login(client, sales.tenant, "admin")))
    assert [e["field"] for e in body["errors"]] == ["view"]
    assert "mine" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("view", "path", "message"),
    [
        (
            {"field": "nope", "op": "eq", "value": 1},
            "$.views[0].filter.field",
            "nope",
        ),
        (
            {"field": "owner", "op": "eq", "value": {"$user": "you"}},
            "$.views[0].filter.value.$user",
            'must be "me"',
        ),
        (
            {"field": "next_call_on", "op": "lt", "value": {"$today": "soon"}},
            "$.views[0].filter.value.$today",
            "whole number of days",
        ),
        (
            {"field": "company", "op": "gt", "value": {"$today": 0, "$user": "me"}},
            "$.views[0].filter.value",
            "one key",
        ),
        (
            {"field": "industry", "op": "eq", "value": "shipping"},
            "$.views[0].filter.value",
            "shipping",
        ),
    ],
)
def test_a_wrong_view_filter_is_refused_with_its_path(
    view: dict[str, Any], path: str, message: str
) -> None:
    definition = with_views([{"type": "table", "entity": "lead", "key": "v", "filter": view}])
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    issues = [(issue.path, issue.message) for issue in caught.value.issues]
    assert any(p == path and message in m for p, m in issues), issues


def test_a_kanban_groups_by_a_select_field() -> None:
    definition = with_views([{"type": "kanban", "entity": "lead", "key": "k", "group_by": "owner"}])
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition)
    assert [issue.path for issue in caught.value.issues] == ["$.views[0].group_by"]


def test_aggregates_take_a_view_and_see_the_pool(client: TestClient, sales: Sales) -> None:
    rep_a = sales.ids["rep_a"]
    for company, owner in (("A", rep_a), ("B", rep_a), ("C", None), ("D", sales.ids["rep_b"])):
        sales.lead(company, owner=owner)
    headers = login(client, sales.tenant, "rep_a")

    def counted(query: str) -> int:
        response = client.get(f"{BASE}/aggregate?measures=count&{query}", headers=headers)
        assert response.status_code == 200, response.text
        return int(response.json()["groups"][0]["count"])

    assert counted("view=mine") == 2
    assert counted("view=pool") == 1
    assert counted("") == 3  # their own and the pool's, not rep B's
    assert [
        e["field"]
        for e in problem(client.get(f"{BASE}/aggregate?view=x", headers=headers))["errors"]
    ] == ["view"]


def test_a_pool_lead_previews_for_a_rep_who_sees_the_pool(client: TestClient, sales: Sales) -> None:
    pooled = sales.lead("Waiting")
    others = sales.lead("Rep B's", owner=sales.ids["rep_b"])
    headers = login(client, sales.tenant, "rep_a")
    seen = client.post(f"{BASE}/preview?record={pooled}", json={}, headers=headers)
    assert seen.status_code == 200, seen.text
    hidden = client.post(f"{BASE}/preview?record={others}", json={}, headers=headers)
    assert hidden.status_code == 404, hidden.text


def test_a_record_says_what_its_reader_may_do_with_it(client: TestClient, sales: Sales) -> None:
    pooled = sales.lead("Waiting")
    mine = sales.lead("Mine", owner=sales.ids["rep_a"])
    rep = login(client, sales.tenant, "rep_a")
    admin = login(client, sales.tenant, "admin")

    def rights(record: int, headers: dict[str, str]) -> dict[str, bool]:
        response = client.get(f"{BASE}/{record}", headers=headers)
        assert response.status_code == 200, response.text
        access: dict[str, bool] = response.json()["_access"]
        return access

    # The sales app gives reps no delete on leads at all.
    assert rights(pooled, rep) == {"update": False, "delete": False}
    assert rights(mine, rep) == {"update": True, "delete": False}
    assert rights(pooled, admin) == {"update": True, "delete": True}
