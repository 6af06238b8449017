"""Live form state (`POST …/{entity}/preview`) and hidden fields on save, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.platform import Platform
from engine.accounts.users import create_department, grant_role, list_departments
from engine.store.tables import users
from tests.conftest import login

CRM = "/api/apps/mini_crm"
DESK = "/api/apps/helpdesk"

#: Conditions of every kind, on the record and inside sub-table rows.
HELPDESK: dict[str, Any] = {
    "key": "helpdesk",
    "version": "1.0.0",
    "entities": [
        {
            "key": "ticket",
            "title_field": "title",
            "fields": [
                {"key": "title", "type": "text", "required": True},
                {
                    "key": "kind",
                    "type": "select",
                    "default": "bug",
                    "options": [{"value": "bug"}, {"value": "other"}],
                },
                {
                    "key": "details",
                    "type": "text",
                    "required": True,
                    "visible_when": "kind == 'other'",
                },
                {"key": "priority", "type": "number", "precision": 0, "min": 1, "max": 9},
                {"key": "escalated", "type": "boolean", "readonly_when": "priority >= 5"},
                {"key": "due", "type": "date", "required_when": "priority >= 5"},
                {"key": "email", "type": "email"},
                {"key": "score", "type": "formula", "expr": "priority * 2"},
                {
                    "key": "items",
                    "type": "subtable",
                    "fields": [
                        {"key": "name", "type": "text", "required": True},
                        {"key": "hours", "type": "number", "min": 0},
                        {"key": "cost", "type": "formula", "expr": "hours * 100"},
                        {"key": "note", "type": "text", "visible_when": "hours > 8"},
                    ],
                },
                {"key": "total", "type": "formula", "expr": "SUMOF(items, 'cost')"},
            ],
        }
    ],
    "roles": [
        {
            "key": "agent",
            "permissions": {
                "ticket": {
                    "read": "all",
                    "create": True,
                    "update": "all",
                    "fields": {"priority": "hidden", "email": "read"},
                }
            },
        }
    ],
}


@pytest.fixture
def helpdesk(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/apps", json=HELPDESK, headers=auth)
    assert response.status_code == 201, response.text
    return "helpdesk"


def preview(
    client: TestClient, auth: dict[str, str], path: str, body: Any, **params: Any
) -> dict[str, Any]:
    response = client.post(f"{path}/preview", json=body, params=params, headers=auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_conditional_field_follows_the_stage(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    opened = preview(client, auth, f"{CRM}/opportunity", {"name": "Deal"})
    assert opened["visible"]["lost_reason"] is False
    assert opened["required"]["lost_reason"] is False
    assert opened["required"]["name"] is True
    assert opened["readonly"]["net_amount"] is True and opened["readonly"]["name"] is False
    # The stage's default ("initial") applies to a new record, as on save.
    lost = preview(client, auth, f"{CRM}/opportunity", {"stage": "lost"})
    assert lost["visible"]["lost_reason"] is True
    assert lost["required"]["lost_reason"] is True
    assert set(lost["visible"]) == set(lost["required"]) == set(lost["readonly"])


def test_formulas_per_row_and_on_the_record(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    body = {
        "amount": 1000,
        "discount": 0.15,
        "lines": [{"product": "A", "qty": 2, "price": 9.5}, {"product": "B", "qty": 3}],
    }
    answer = preview(client, auth, f"{CRM}/opportunity", body)
    assert answer["values"] == {
        "net_amount": 850.0,
        "lines[0].subtotal": 19.0,
        "lines[1].subtotal": None,
    }
    assert answer["errors"] == {}


def test_half_filled_values_count_as_blank_and_say_why(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    body = {
        "amount": "lots",
        "discount": 0.1,
        "stage": "nonsense",
        "lines": [{"qty": 0, "price": 2}, "not a row"],
        "unknown": 1,
        "net_amount": 5,
    }
    answer = preview(client, auth, f"{CRM}/opportunity", body)
    assert answer["values"] == {
        "net_amount": None,
        "lines[0].subtotal": None,
        "lines[1].subtotal": None,
    }
    assert set(answer["errors"]) == {"amount", "stage", "lines[0].qty"}
    assert answer["errors"]["lines[0].qty"] == "must be at least 1"
    assert answer["visible"]["lost_reason"] is False  # a stage that does not coerce is blank
    wrong_shape = preview(client, auth, f"{CRM}/opportunity", {"lines": {"qty": 1}})
    assert wrong_shape["errors"] == {"lines": "must be a list of rows"}
    # In the reader's language, as a problem's messages are.
    chinese = client.post(
        f"{CRM}/opportunity/preview",
        json=body,
        headers={**auth, "Accept-Language": "zh-CN"},
    )
    assert chinese.status_code == 200, chinese.text
    assert chinese.json()["errors"]["amount"] == "必须是数字"
    # A record id beyond the id column is a bad parameter, not a database error.
    for huge in ("99999999999999999999", str(2**31), "0"):
        far = client.post(
            f"{CRM}/opportunity/preview", params={"record": huge}, json={}, headers=auth
        )
        assert far.status_code == 422, far.text
        assert far.json()["errors"][0]["field"] == "record"


def test_sub_field_conditions_per_row_and_readonly_when(
    client: TestClient, auth: dict[str, str], helpdesk: str
) -> None:
    body = {"priority": 7, "items": [{"name": "a", "hours": 10}, {"name": "b", "hours": 2}]}
    answer = preview(client, auth, f"{DESK}/ticket", body)
    assert answer["values"] == {
        "score": 14,
        "items[0].cost": 1000,
        "items[1].cost": 200,
        "total": 1200,
    }
    assert answer["visible"]["items[0].note"] is True
    assert answer["visible"]["items[1].note"] is False
    assert "items[0].hours" not in answer["visible"]  # no condition of its own
    assert answer["readonly"]["escalated"] is True
    assert answer["required"]["due"] is True
    assert answer["visible"]["details"] is False and answer["required"]["details"] is False
    calm = preview(client, auth, f"{DESK}/ticket", {"priority": 2, "kind": "other"})
    assert calm["readonly"]["escalated"] is False and calm["required"]["due"] is False
    assert calm["visible"]["details"] is True and calm["required"]["details"] is True


def test_editing_a_record_keeps_what_is_not_sent(
    client: TestClient, auth: dict[str, str], helpdesk: str
) -> None:
    created = client.post(
        f"{DESK}/ticket", json={"title": "T", "kind": "other", "details": "x"}, headers=auth
    )
    assert created.status_code == 201, created.text
    record = created.json()["id"]
    stored = preview(client, auth, f"{DESK}/ticket", {"priority": 3}, record=record)
    assert stored["visible"]["details"] is True and stored["values"]["score"] == 6
    changed = preview(client, auth, f"{DESK}/ticket", {"kind": "bug"}, record=record)
    assert changed["visible"]["details"] is False
    missing = client.post(f"{DESK}/ticket/preview", json={}, params={"record": 999}, headers=auth)
    assert missing.status_code == 404


def test_a_field_hidden_by_visible_when_is_not_required_on_save(
    client: TestClient, auth: dict[str, str], helpdesk: str
) -> None:
    bug = client.post(f"{DESK}/ticket", json={"title": "Crash"}, headers=auth)
    assert bug.status_code == 201, bug.text
    other = client.post(f"{DESK}/ticket", json={"title": "Hm", "kind": "other"}, headers=auth)
    assert other.status_code == 422
    assert other.json()["errors"] == [{"field": "details", "message": "is required"}]
    # A value sent for a hidden field is kept, not refused: switching back shows it again.
    kept = client.post(
        f"{DESK}/ticket", json={"title": "Kept", "kind": "bug", "details": "d"}, headers=auth
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["details"] == "d"
    rows = client.post(
        f"{DESK}/ticket",
        json={"title": "Rows", "items": [{"name": "a", "hours": 1}, {"hours": 9}]},
        headers=auth,
    )
    assert rows.status_code == 422
    assert rows.json()["errors"] == [{"field": "items[1].name", "message": "is required"}]


def test_field_access_of_the_caller(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str], helpdesk: str
) -> None:
    with platform.store.write(tenant) as conn:
        rep_id = conn.scalar(select(users.c.id).where(users.c.username == "rep"))
        assert rep_id is not None
        grant_role(conn, rep_id, "helpdesk", "agent")
    rep = login(client, tenant, "rep")
    answer = preview(client, rep, f"{DESK}/ticket", {"priority": 9, "escalated": True})
    every = [*answer["visible"], *answer["values"], *answer["readonly"], *answer["required"]]
    # Hidden, and so is the formula that would give it away; the sent value changes nothing.
    assert "priority" not in every and "score" not in every
    assert answer["readonly"]["email"] is True
    assert answer["readonly"]["escalated"] is False and answer["required"]["due"] is False
    admin = preview(client, auth, f"{DESK}/ticket", {"priority": 9})
    assert admin["readonly"]["email"] is False and admin["values"]["score"] == 18


def test_no_role_no_entity_no_login(
    client: TestClient, auth: dict[str, str], tenant: str, helpdesk: str
) -> None:
    rep = login(client, tenant, "rep")
    assert client.post(f"{DESK}/ticket/preview", json={}, headers=rep).status_code == 403
    assert client.post(f"{DESK}/nothing/preview", json={}, headers=auth).status_code == 404
    assert client.post(f"{DESK}/ticket/preview", json={}).status_code == 401
    not_an_object = client.post(f"{DESK}/ticket/preview", json=[1], headers=auth)
    assert not_an_object.status_code == 422


def test_departments_list(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]
) -> None:
    with platform.store.write(tenant) as conn:
        sales = create_department(conn, "Sales")
        east = create_department(conn, "East", sales)
        expected = list_departments(conn)
    response = client.get("/api/departments", headers=auth)
    assert response.status_code == 200
    assert (
        response.json()
        == expected
        == [
            {"id": sales, "name": "Sales", "parent_id": None},
            {"id": east, "name": "East", "parent_id": sales},
        ]
    )
