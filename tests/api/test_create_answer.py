"""A create answers the record exactly as reading it back would, on SQLite and PostgreSQL.

The create endpoint builds its answer from the values it has just written
instead of reading the record again (engine.forms.records.written_record).
These tests pin that the two agree to the byte (JSON text, so key order and
``0`` against ``0.0`` count) for every kind of field: stored values of each
type, defaults, formulas, serial numbers, roll-ups (with and without related
records), lookups, sub-tables, links, users, departments and files, and the
``_display`` titles, also for a user who may not see every field.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.accounts.users import create_department, create_user, grant_role
from tests.conftest import login

BASE = "/api/apps/answers"
DEFINITION: dict[str, Any] = {
    "key": "answers",
    "version": "1.0.0",
    "entities": [
        {
            "key": "product",
            "title_field": "name",
            "fields": [{"key": "name", "type": "text", "required": True}],
        },
        {
            "key": "customer",
            "title_field": "name",
            "fields": [
                {"key": "code", "type": "autonumber", "pattern": "C-{YYYY}-{seq:3}"},
                {"key": "name", "type": "text", "required": True, "unique": True},
                {"key": "credit", "type": "currency", "precision": 2},
                {"key": "ratio", "type": "percent"},
                {"key": "size", "type": "number", "precision": 0},
                {"key": "score", "type": "number"},
                {"key": "since", "type": "date"},
                {"key": "seen", "type": "datetime"},
                {"key": "starts", "type": "time"},
                {"key": "active", "type": "boolean", "default": True},
                {"key": "kind", "type": "select", "options": [{"value": "a"}, {"value": "b"}]},
                {
                    "key": "flags",
                    "type": "multiselect",
                    "options": [{"value": "x"}, {"value": "y"}, {"value": "z"}],
                },
                {"key": "tags", "type": "tags"},
                {"key": "email", "type": "email"},
                {"key": "phone", "type": "phone"},
                {"key": "site", "type": "url"},
                {"key": "region", "type": "address"},
                {"key": "place", "type": "location"},
                {"key": "stars", "type": "rating"},
                {"key": "notes", "type": "richtext"},
                {"key": "owner", "type": "user", "default": "=CURRENT_USER()"},
                {"key": "team", "type": "users"},
                {"key": "dept", "type": "department"},
                {"key": "products", "type": "links", "target": "product", "max_links": 3},
                {"key": "photos", "type": "image", "max_files": 2},
                {"key": "double_credit", "type": "formula", "expr": "credit * 2"},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [
                        {"key": "item", "type": "text"},
                        {"key": "qty", "type": "number", "precision": 2},
                    ],
                },
                {
                    "key": "open_total",
                    "type": "rollup",
                    "source": "order",
                    "via": "customer",
                    "agg": "sum",
                    "field": "amount",
                },
                {
                    "key": "float_total",
                    "type": "rollup",
                    "source": "order",
                    "via": "customer",
                    "agg": "sum",
                    "field": "weight",
                },
                {
                    "key": "orders",
                    "type": "rollup",
                    "source": "order",
                    "via": "customer",
                    "agg": "count",
                },
                {
                    "key": "largest",
                    "type": "rollup",
                    "source": "order",
                    "via": "customer",
                    "agg": "max",
                    "field": "amount",
                },
            ],
        },
        {
            "key": "order",
            "title_field": "subject",
            "fields": [
                {"key": "subject", "type": "text"},
                {"key": "customer", "type": "link", "target": "customer", "on_delete": "set_null"},
                {"key": "customer_name", "type": "lookup", "link": "customer", "field": "name"},
                {"key": "customer_credit", "type": "lookup", "link": "customer", "field": "credit"},
                {"key": "amount", "type": "currency"},
                {"key": "weight", "type": "number"},
            ],
        },
    ],
    "roles": [
        {
            "key": "clerk",
            "permissions": {
                "customer": {"read": "all", "create": True, "fields": {"credit": "hidden"}},
                "order": {"read": "all", "create": True},
            },
        }
    ],
}
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def auth(client: TestClient, tenant: str) -> dict[str, str]:
    return login(client, tenant)


@pytest.fixture
def app(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/apps", json=DEFINITION, headers=auth)
    assert response.status_code == 201, response.text
    return "answers"


def created_and_read(
    client: TestClient, auth: dict[str, str], entity: str, values: dict[str, Any]
) -> tuple[str, str]:
    """The create's answer and the record read back, both as JSON text."""
    response = client.post(f"{BASE}/{entity}", json=values, headers=auth)
    assert response.status_code == 201, response.text
    record_id = response.json()["id"]
    fetched = client.get(f"{BASE}/{entity}/{record_id}", headers=auth)
    assert fetched.status_code == 200, fetched.text
    read = fetched.json()
    read.pop("_access")  # what the reader may do next: only a read answers it
    return json.dumps(response.json()), json.dumps(read)


def test_answer_of_every_field_type_is_the_record_read_back(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str], app: str
) -> None:
    with platform.store.write(tenant) as conn:
        dept = create_department(conn, "Sales")
    users = {u["username"]: u["id"] for u in client.get("/api/users", headers=auth).json()}
    upload = client.post(
        "/api/files", files={"file": ("dot.png", PNG_1X1, "image/png")}, headers=auth
    )
    assert upload.status_code == 201, upload.text
    products = [
        client.post(f"{BASE}/product", json={"name": n}, headers=auth).json()["id"]
        for n in ("Pump", "Valve")
    ]
    full = {
        "name": "Acme",
        "credit": "1234.5",
        "ratio": 0.125,
        "size": 12,
        "score": 2.5,
        "since": "2024-02-29",
        "seen": "2026-01-02T03:04:05.123456+08:00",
        "starts": "09:30",
        "active": False,
        "kind": "b",
        "flags": ["z", "x"],
        "tags": [" north ", "key account"],
        "email": " a@example.com ",
        "phone": "138 1234 5678",
        "site": "https://example.com/a?b=1",
        "region": {"province": "浙江省", "city": "杭州市", "detail": "文一西路 1 号"},
        "place": {"lat": 30.2741, "lng": 120.1551, "address": "杭州"},
        "stars": 4,
        "notes": '<p onclick="x()">Hi<script>alert(1)</script></p>',
        "owner": users["rep"],
        "team": [users["rep"], users["admin"]],
        "dept": dept,
        "products": [products[1], products[0]],
        "photos": [upload.json()["id"]],
        "lines": [{"item": "bolt", "qty": 3}, {"item": "nut", "qty": "0.5"}],
    }
    answer, read = created_and_read(client, auth, "customer", full)
    assert answer == read
    # The first create of an entity reads its roll-ups; later ones reuse them.
    for name in ("Empty", "Empty again"):
        answer, read = created_and_read(client, auth, "customer", {"name": name})
        assert answer == read
        assert json.loads(answer)["_display"] == {"owner": "Admin"}


def test_answer_with_lookups_and_related_records(
    client: TestClient, auth: dict[str, str], app: str
) -> None:
    customer = client.post(
        f"{BASE}/customer", json={"name": "Linked", "credit": 10}, headers=auth
    ).json()
    answer, read = created_and_read(
        client, auth, "order", {"subject": "First", "customer": customer["id"], "amount": 5}
    )
    assert answer == read
    assert json.loads(answer)["customer_name"] == "Linked"
    answer, read = created_and_read(client, auth, "order", {"subject": "Unlinked"})
    assert answer == read
    # A customer created after others have orders still has no orders of its own.
    answer, read = created_and_read(client, auth, "customer", {"name": "Later"})
    assert answer == read
    assert json.loads(answer)["orders"] == 0


def test_answer_for_a_user_who_may_not_see_every_field(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str], app: str
) -> None:
    with platform.store.write(tenant) as conn:
        clerk = create_user(conn, platform.passwords, "clerk", "pw", "Clerk").id
        grant_role(conn, clerk, "answers", "clerk")
    clerk_auth = login(client, tenant, "clerk")
    answer, read = created_and_read(
        client, clerk_auth, "customer", {"name": "Hidden credit", "owner": clerk}
    )
    assert answer == read
    assert "credit" not in json.loads(answer)
    refused = client.post(
        f"{BASE}/customer", json={"name": "Sneaky", "credit": 5}, headers=clerk_auth
    )
    assert refused.status_code == 422, refused.text
