"""Linkage (数据联动): ``fill`` and ``filter_by`` of link fields, SQLite and PostgreSQL.

Checked at publish, applied by the server to API writes on the record and
inside sub-table rows, and the rows' linked titles (``_display``) on read.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

BASE = "/api/apps/shop"

SHOP: dict[str, Any] = {
    "key": "shop",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "title_field": "name",
            "fields": [{"key": "name", "type": "text", "required": True}],
        },
        {
            "key": "contact",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "customer", "type": "link", "target": "customer"},
            ],
        },
        {
            "key": "product",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "spec", "type": "text"},
                {"key": "list_price", "type": "currency"},
                {"key": "notes", "type": "richtext"},
            ],
        },
        {
            "key": "quote",
            "title_field": "title",
            "fields": [
                {"key": "title", "type": "text", "required": True},
                {"key": "customer", "type": "link", "target": "customer"},
                {
                    "key": "contact",
                    "type": "link",
                    "target": "contact",
                    "filter_by": {"customer": "customer"},
                },
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [
                        {
                            "key": "product",
                            "type": "link",
                            "target": "product",
                            "fill": {"unit_price": "list_price", "description": "spec"},
                        },
                        {"key": "description", "type": "text"},
                        {"key": "qty", "type": "number"},
                        {"key": "unit_price", "type": "currency", "required": True},
                        {"key": "subtotal", "type": "formula", "expr": "qty * unit_price"},
                    ],
                },
                {
                    "key": "main_product",
                    "type": "link",
                    "target": "product",
                    "fill": {"price": "list_price"},
                },
                {"key": "price", "type": "currency"},
            ],
        },
    ],
}


@pytest.fixture
def shop(client: TestClient, auth: dict[str, str]) -> dict[str, int]:
    """The shop app with two customers, a contact of each and a product."""
    response = client.post("/api/apps", json=SHOP, headers=auth)
    assert response.status_code == 201, response.text

    def make(entity: str, body: dict[str, Any]) -> int:
        made = client.post(f"{BASE}/{entity}", json=body, headers=auth)
        assert made.status_code == 201, made.text
        return int(made.json()["id"])

    acme = make("customer", {"name": "Acme"})
    bolt = make("customer", {"name": "Bolt"})
    return {
        "acme": acme,
        "bolt": bolt,
        "alice": make("contact", {"name": "Alice", "customer": acme}),
        "bob": make("contact", {"name": "Bob", "customer": bolt}),
        "widget": make("product", {"name": "Widget", "spec": "10 cm, blue", "list_price": "12.50"}),
    }


def publish_problems(client: TestClient, auth: dict[str, str], quote_fields: list[Any]) -> Any:
    definition = copy.deepcopy(SHOP)
    definition["entities"][3]["fields"] = quote_fields
    response = client.post("/api/apps", json=definition, headers=auth)
    assert response.status_code == 422, response.text
    return response.json()


def test_a_line_gets_its_price_and_description_from_the_product(
    client: TestClient, auth: dict[str, str], shop: dict[str, int]
) -> None:
    body = {"title": "Q1", "lines": [{"product": shop["widget"], "qty": 2}]}
    created = client.post(f"{BASE}/quote", json=body, headers=auth)
    assert created.status_code == 201, created.text
    quote_id = created.json()["id"]
    stored = client.get(f"{BASE}/quote/{quote_id}", headers=auth).json()
    [line] = stored["lines"]
    assert float(line["unit_price"]) == 12.5 and float(line["subtotal"]) == 25
    assert line["description"] == "10 cm, blue"
    # The line's product is shown by its title, not its id.
    assert line["_display"] == {"product": "Widget"}


def test_a_value_sent_is_kept_and_an_unchanged_link_fills_nothing(
    client: TestClient, auth: dict[str, str], shop: dict[str, int]
) -> None:
    body = {"title": "Q2", "main_product": shop["widget"], "price": 9}
    created = client.post(f"{BASE}/quote", json=body, headers=auth)
    assert created.status_code == 201, created.text
    record = created.json()
    assert float(record["price"]) == 9
    # Sending the link back unchanged keeps the price typed over the product's.
    updated = client.patch(
        f"{BASE}/quote/{record['id']}",
        json={"version": record["version"], "main_product": shop["widget"], "title": "Q2b"},
        headers=auth,
    )
    assert updated.status_code == 200, updated.text
    assert float(updated.json()["price"]) == 9
    # Clearing and setting it again fills it from the product.
    cleared = client.patch(
        f"{BASE}/quote/{record['id']}",
        json={"version": updated.json()["version"], "main_product": None},
        headers=auth,
    ).json()
    again = client.patch(
        f"{BASE}/quote/{record['id']}",
        json={"version": cleared["version"], "main_product": shop["widget"]},
        headers=auth,
    )
    assert again.status_code == 200, again.text
    assert float(again.json()["price"]) == 12.5


def test_a_contact_of_another_customer_is_refused_naming_the_field(
    client: TestClient, auth: dict[str, str], shop: dict[str, int]
) -> None:
    body = {"title": "Q3", "customer": shop["acme"], "contact": shop["bob"]}
    refused = client.post(f"{BASE}/quote", json=body, headers=auth)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "contact"

    body["contact"] = shop["alice"]
    created = client.post(f"{BASE}/quote", json=body, headers=auth)
    assert created.status_code == 201, created.text
    # Changing the customer alone now breaks the filter of the contact kept.
    record = created.json()
    moved = client.patch(
        f"{BASE}/quote/{record['id']}",
        json={"version": record["version"], "customer": shop["bolt"]},
        headers=auth,
    )
    assert moved.status_code == 422, moved.text
    assert [e["field"] for e in moved.json()["errors"]] == ["contact"]


def test_a_blank_form_field_filters_nothing(
    client: TestClient, auth: dict[str, str], shop: dict[str, int]
) -> None:
    created = client.post(
        f"{BASE}/quote", json={"title": "Q4", "contact": shop["bob"]}, headers=auth
    )
    assert created.status_code == 201, created.text


def test_publish_names_unknown_fields_and_values_that_do_not_fit(
    client: TestClient, auth: dict[str, str]
) -> None:
    fields = copy.deepcopy(SHOP["entities"][3]["fields"])
    main = next(f for f in fields if f["key"] == "main_product")
    main["fill"] = {"price": "notes", "nowhere": "list_price", "title": "missing"}
    contact = next(f for f in fields if f["key"] == "contact")
    contact["filter_by"] = {"customer": "title", "ghost": "customer"}
    problem = publish_problems(client, auth, fields)
    text = str(problem)
    assert "notes (richtext) does not fit price (currency)" in text
    assert "unknown field 'nowhere' of quote to fill" in text
    assert "unknown field 'missing' of product" in text
    assert "does not fit customer (link)" in text
    assert "unknown field 'ghost' of contact" in text


def test_publish_checks_linkage_inside_sub_tables(client: TestClient, auth: dict[str, str]) -> None:
    fields = copy.deepcopy(SHOP["entities"][3]["fields"])
    lines = next(f for f in fields if f["key"] == "lines")
    lines["fields"][0]["fill"] = {"subtotal": "list_price", "title": "name"}
    text = str(publish_problems(client, auth, fields))
    assert "subtotal is computed and cannot be filled" in text
    # A row sees its own fields only, not the quote's.
    assert "unknown field 'title' of lines to fill" in text


def test_a_new_form_answers_its_defaults(
    client: TestClient, auth: dict[str, str], shop: dict[str, int]
) -> None:
    definition = copy.deepcopy(SHOP)
    definition["key"] = "diary"
    definition["entities"][0]["fields"] += [
        {"key": "met_on", "type": "date", "default": "=TODAY()"},
        {"key": "owner", "type": "user", "default": "=CURRENT_USER()"},
        {"key": "tier", "type": "text", "default": "B"},
    ]
    assert client.post("/api/apps", json=definition, headers=auth).status_code == 201
    answer = client.post("/api/apps/diary/customer/preview", json={"tier": "A"}, headers=auth)
    assert answer.status_code == 200, answer.text
    defaults = answer.json()["defaults"]
    assert set(defaults) == {"met_on", "owner"}
    assert len(defaults["met_on"]) == 10 and isinstance(defaults["owner"], int)


def test_a_field_hidden_from_the_writer_is_never_filled(
    client: TestClient, auth: dict[str, str], platform: Any, tenant: str
) -> None:
    from engine.accounts.users import create_user, grant_role
    from tests.conftest import login

    definition = copy.deepcopy(SHOP)
    definition["roles"] = [
        {
            "key": "clerk",
            "permissions": {
                "quote": {"read": "all", "create": True},
                "product": {"read": "all", "fields": {"list_price": "hidden"}},
            },
        }
    ]
    assert client.post("/api/apps", json=definition, headers=auth).status_code == 201
    widget = client.post(
        f"{BASE}/product",
        json={"name": "Widget", "spec": "blue", "list_price": "12.50"},
        headers=auth,
    ).json()["id"]
    with platform.store.write(tenant) as conn:
        clerk = create_user(conn, platform.passwords, "clerk", "pw", "Clerk").id
        grant_role(conn, clerk, "shop", "clerk")
    clerk_auth = login(client, tenant, "clerk")
    body = {"title": "Q", "main_product": widget}
    created = client.post(f"{BASE}/quote", json=body, headers=clerk_auth)
    assert created.status_code == 201, created.text
    # The price the clerk may not read is not copied into what they can read.
    assert created.json()["price"] is None
    # The spec they may read still fills a line.
    lines = {"title": "Q2", "lines": [{"product": widget, "qty": 1, "unit_price": 1}]}
    line = client.post(f"{BASE}/quote", json=lines, headers=clerk_auth).json()["lines"][0]
    assert line["description"] == "blue" and float(line["unit_price"]) == 1
