"""``GET /api/apps/{app}/{entity}/aggregate`` on SQLite and PostgreSQL.

Real rows prove the sums, counts, averages and extremes per group, date
buckets (date-times in the tenant's time zone), the same record selection
as the list (filter, ``?field=value``, ``q``, soft delete), the read scope
and hidden fields of roles, and the limits.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.platform import Platform
from engine.accounts.users import create_user, grant_role
from engine.forms import aggregate as aggregate_module
from engine.store.tables import users
from tests.conftest import login

BASE = "/api/apps/mini_crm"


def create(client: TestClient, auth: dict[str, str], entity: str, **values: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/{entity}", json=values, headers=auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def aggregate(
    client: TestClient, auth: dict[str, str], tree: Any = None, **params: Any
) -> list[dict[str, Any]]:
    response = call(client, auth, tree, **params)
    assert response.status_code == 200, response.text
    groups: list[dict[str, Any]] = response.json()["groups"]
    for group in groups:
        group.pop("_display")
    return groups


def call(client: TestClient, auth: dict[str, str], tree: Any = None, **params: Any) -> Any:
    if tree is not None:
        params["filter"] = json.dumps(tree)
    return client.get(f"{BASE}/opportunity/aggregate", params=params, headers=auth)


@pytest.fixture
def deals(client: TestClient, auth: dict[str, str], mini_crm: str) -> dict[str, int]:
    """Two customers and six opportunities (one of them deleted)."""
    acme = create(client, auth, "customer", name="Acme", industry="retail")["id"]
    beta = create(client, auth, "customer", name="Beta", industry="software")["id"]
    rows = [
        ("a1", acme, "won", 1000, 0.1, "2026-01-15"),
        ("a2", acme, "won", 500.5, 0, "2026-01-31"),
        ("a3", acme, "proposal", 200, None, "2026-02-01"),
        ("b1", beta, "won", 300, 0.5, "2025-12-31"),
        ("b2", beta, "initial", None, None, None),
    ]
    ids = {"acme": acme, "beta": beta}
    for name, customer, stage, amount, discount, close in rows:
        values = {"amount": amount, "discount": discount, "close_date": close}
        ids[name] = create(
            client,
            auth,
            "opportunity",
            name=name,
            customer=customer,
            stage=stage,
            **{k: v for k, v in values.items() if v is not None},
        )["id"]
    gone = create(client, auth, "opportunity", name="gone", customer=beta, stage="won", amount=9)
    response = client.delete(f"{BASE}/opportunity/{gone['id']}", headers=auth)
    assert response.status_code == 204
    return ids


def test_sum_and_count_grouped_by_a_select(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    response = call(client, auth, group_by="stage", measures="sum:amount,count")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["group_by"] == ["stage"] and body["measures"] == ["sum_amount", "count"]
    # The deleted deal (won, 9) counts nowhere; a blank amount sums as 0.
    assert [{k: g[k] for k in ("stage", "sum_amount", "count")} for g in body["groups"]] == [
        {"stage": "initial", "sum_amount": 0, "count": 1},
        {"stage": "proposal", "sum_amount": 200, "count": 1},
        {"stage": "won", "sum_amount": 1800.5, "count": 3},
    ]


def test_every_measure_without_groups(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    measures = "count,sum:amount,avg:amount,min:amount,max:amount,avg:discount,max:close_date"
    assert aggregate(client, auth, measures=measures) == [
        {
            "count": 5,
            "sum_amount": 2000.5,
            "avg_amount": 500.125,  # of the four deals with an amount
            "min_amount": 200,
            "max_amount": 1000,
            "avg_discount": 0.2,
            "max_close_date": "2026-02-01",
        }
    ]
    # A formula of number type is measured like a number: net = amount * (1 - discount).
    assert aggregate(client, auth, group_by="stage", measures="sum:net_amount", stage="won") == [
        {"stage": "won", "sum_net_amount": 900 + 500.5 + 150}
    ]


def test_dates_group_by_day_month_and_year(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    by_month = aggregate(client, auth, group_by="close_date:month", measures="count,sum:amount")
    assert by_month == [
        {"close_date": None, "count": 1, "sum_amount": 0},
        {"close_date": "2025-12", "count": 1, "sum_amount": 300},
        {"close_date": "2026-01", "count": 2, "sum_amount": 1500.5},
        {"close_date": "2026-02", "count": 1, "sum_amount": 200},
    ]
    by_year = aggregate(client, auth, group_by="close_date:year")
    assert by_year == [
        {"close_date": None, "count": 1},
        {"close_date": "2025", "count": 1},
        {"close_date": "2026", "count": 3},
    ]
    by_day = aggregate(client, auth, group_by="close_date", close_date="2026-01-31")
    assert by_day == [{"close_date": "2026-01-31", "count": 1}]


def test_two_keys_and_titles_of_links(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    response = call(client, auth, group_by="customer,stage", measures="sum:amount")
    body = response.json()
    assert [(g["customer"], g["stage"], g["sum_amount"]) for g in body["groups"]] == [
        (deals["acme"], "proposal", 200),
        (deals["acme"], "won", 1500.5),
        (deals["beta"], "initial", 0),
        (deals["beta"], "won", 300),
    ]
    assert [g["_display"] for g in body["groups"]] == [{"customer": "Acme"}] * 2 + [
        {"customer": "Beta"}
    ] * 2


def test_records_are_selected_as_the_list_selects_them(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    tree = {
        "and": [
            {"field": "stage", "op": "in", "value": ["won", "proposal"]},
            {"field": "amount", "op": "gte", "value": 300},
        ]
    }
    assert aggregate(client, auth, tree, group_by="stage", measures="count,sum:amount") == [
        {"stage": "won", "count": 3, "sum_amount": 1800.5}
    ]
    linked = {"field": "customer.industry", "op": "eq", "value": "software"}
    assert aggregate(client, auth, linked, measures="count") == [{"count": 2}]
    assert aggregate(client, auth, q="a", measures="count", stage="won") == [{"count": 2}]
    # Nothing matches: no groups at all, or one all-blank row without group keys.
    nothing = {"field": "amount", "op": "gt", "value": 10**6}
    assert aggregate(client, auth, nothing, group_by="stage") == []
    assert aggregate(client, auth, nothing, measures="count,sum:amount,avg:amount") == [
        {"count": 0, "sum_amount": 0, "avg_amount": None}
    ]
    # The list agrees with the count.
    listed = client.get(
        f"{BASE}/opportunity", params={"filter": json.dumps(tree)}, headers=auth
    ).json()
    assert listed["total"] == 3


def test_bad_requests_answer_422_naming_the_parameter(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    for params, fields in [
        ({"group_by": "name"}, ["group_by"]),
        ({"measures": "sum:stage"}, ["measures"]),
        ({"measures": ""}, ["measures"]),
        ({"ghost": "1"}, ["ghost"]),
        ({"filter": "{"}, ["filter"]),
        ({"group_by": "nope", "measures": "median:amount"}, ["group_by", "measures"]),
    ]:
        response = call(client, auth, **params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == fields, params


def test_more_groups_than_the_limit_are_refused(
    client: TestClient, auth: dict[str, str], deals: dict[str, int], monkeypatch: Any
) -> None:
    monkeypatch.setattr(aggregate_module, "MAX_GROUPS", 2)
    refused = call(client, auth, group_by="stage")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "field": "group_by",
            "message": "gives more than 2 groups: filter the records or group by something coarser",
        }
    ]
    assert len(aggregate(client, auth, group_by="stage", stage="won")) == 1


def test_the_path_is_not_taken_for_a_record_id(
    client: TestClient, auth: dict[str, str], deals: dict[str, int]
) -> None:
    assert client.get(f"{BASE}/opportunity/{deals['a1']}", headers=auth).json()["name"] == "a1"
    assert call(client, auth).status_code == 200
    missing = client.get(f"{BASE}/nothing/aggregate", headers=auth)
    assert missing.status_code == 404
    assert client.get(f"{BASE}/opportunity/aggregate").status_code == 401


# -- date-times, booleans and users: an app of their own ------------------------
EVENTS: dict[str, Any] = {
    "key": "events",
    "version": "1.0.0",
    "entities": [
        {
            "key": "event",
            "fields": [
                {"key": "at", "type": "datetime"},
                {"key": "done", "type": "boolean"},
                {"key": "host", "type": "user"},
                {"key": "score", "type": "number"},
                {"key": "stars", "type": "rating"},
            ],
        }
    ],
}


def test_date_times_group_in_the_tenant_time_zone(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str
) -> None:
    response = client.post("/api/apps", json=EVENTS, headers=auth)
    assert response.status_code == 201, response.text
    with platform.store.read(tenant) as conn:
        rep = conn.scalar(select(users.c.id).where(users.c.username == "rep"))
    for at, done, host, score, stars in [
        ("2026-01-31T23:30:00+08:00", True, rep, 1.5, 5),
        # Still January in UTC (16:30 on the 31st), February in Shanghai.
        ("2026-02-01T00:30:00+08:00", False, rep, 2.25, 3),
        # New Year's Eve in New York is 2027 in Shanghai.
        ("2026-12-31T20:00:00-05:00", True, None, None, None),
    ]:
        values = {"at": at, "done": done, "host": host, "score": score, "stars": stars}
        created = client.post("/api/apps/events/event", json=values, headers=auth)
        assert created.status_code == 201, created.text
    url = "/api/apps/events/event/aggregate"

    def groups(**params: Any) -> list[dict[str, Any]]:
        answer = client.get(url, params=params, headers=auth)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["groups"])

    assert [(g["at"], g["count"]) for g in groups(group_by="at:month")] == [
        ("2026-01", 1),
        ("2026-02", 1),
        ("2027-01", 1),
    ]
    assert [(g["at"], g["count"]) for g in groups(group_by="at")] == [
        ("2026-01-31", 1),
        ("2026-02-01", 1),
        ("2027-01-01", 1),
    ]
    assert groups(group_by="done", measures="sum:score,avg:stars,max:at,min:stars") == [
        {
            "done": False,
            "sum_score": 2.25,
            "avg_stars": 3.0,
            "max_at": "2026-01-31T16:30:00+00:00",
            "min_stars": 3,
            "_display": {},
        },
        {
            "done": True,
            "sum_score": 1.5,
            "avg_stars": 5.0,
            "max_at": "2027-01-01T01:00:00+00:00",
            "min_stars": 5,
            "_display": {},
        },
    ]
    by_host = groups(group_by="host,created_by")
    assert [(g["host"], g["count"], g["_display"]) for g in by_host] == [
        (None, 1, {}),
        (rep, 2, {"host": "Rep"}),
    ]


# -- roles: the read scope and hidden fields ------------------------------------
AUDITOR: dict[str, Any] = {
    "key": "auditor",
    "permissions": {
        "customer": {"read": "all", "fields": {"name": "hidden"}},
        "opportunity": {"read": "all", "fields": {"amount": "hidden"}},
    },
}


def test_roles_limit_what_is_aggregated(
    client: TestClient,
    auth: dict[str, str],
    platform: Platform,
    tenant: str,
    example_definition: dict[str, Any],
) -> None:
    definition = copy.deepcopy(example_definition)
    definition["roles"].append(AUDITOR)
    assert client.post("/api/apps", json=definition, headers=auth).status_code == 201
    with platform.store.write(tenant) as conn:
        for username, role in [("rep_a", "sales_rep"), ("rep_b", "sales_rep"), ("aud", "auditor")]:
            user = create_user(conn, platform.passwords, username, "pw")
            grant_role(conn, user.id, "mini_crm", role)
    rep_a, rep_b, aud = (login(client, tenant, name) for name in ("rep_a", "rep_b", "aud"))
    for who, amounts in [(rep_a, [100, 200]), (rep_b, [1000])]:
        customer = create(client, who, "customer", name=f"c{amounts[0]}")["id"]
        for amount in amounts:
            create(client, who, "opportunity", name="d", customer=customer, amount=amount)

    # A rep's records are their own (the example's sales_rep reads "own").
    assert aggregate(client, rep_a, measures="count,sum:amount") == [
        {"count": 2, "sum_amount": 300}
    ]
    assert aggregate(client, rep_b, measures="count,sum:amount") == [
        {"count": 1, "sum_amount": 1000}
    ]
    assert aggregate(client, auth, measures="count,sum:amount") == [
        {"count": 3, "sum_amount": 1300}
    ]
    # A hidden field is unknown to the auditor, whether measured, grouped on or filtered on.
    refused = call(client, aud, measures="sum:amount")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "measures", "message": "'sum:amount': Opportunity has no field 'amount'"}
    ]
    assert call(client, aud, amount="100").status_code == 422
    assert call(client, aud, measures="sum:net_amount").status_code == 422  # a formula of it
    # The customer's name is hidden from the auditor: so is it as a group's title.
    by_customer = call(client, aud, group_by="customer").json()["groups"]
    assert [g["count"] for g in by_customer] == [2, 1]
    assert all(g["_display"] == {} for g in by_customer)
    titled = call(client, auth, group_by="customer").json()["groups"]
    assert [g["_display"] for g in titled] == [{"customer": "c100"}, {"customer": "c1000"}]
    # No role in the app: 403, as for the list.
    nobody = login(client, tenant, "rep")
    assert call(client, nobody).status_code == 403
