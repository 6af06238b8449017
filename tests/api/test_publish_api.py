"""Planning and publishing a draft through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import login

BASE = "/api/apps/mini_crm"


def customers(client: TestClient, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = client.get(f"{BASE}/customer", params={"page_size": 100}, headers=auth)
    assert response.status_code == 200, response.text
    return {item["name"]: item for item in response.json()["items"]}


def add_customers(client: TestClient, auth: dict[str, str], *rows: dict[str, Any]) -> None:
    response = client.post(f"{BASE}/customer/bulk", json=list(rows), headers=auth)
    assert response.status_code == 201, response.text


def put_draft(client: TestClient, auth: dict[str, str], draft: dict[str, Any]) -> None:
    response = client.put(f"{BASE}/definition/draft", json=draft, headers=auth)
    assert response.status_code == 200, response.text


def customer_fields(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return list(draft["entities"][0]["fields"])


def test_plan_then_publish_a_new_field_and_a_rename(
    client: TestClient, auth: dict[str, str], mini_crm: str, example_definition: dict[str, Any]
) -> None:
    add_customers(client, auth, {"name": "Acme", "email": "a@acme.cn"}, {"name": "Bolt"})
    draft = copy.deepcopy(example_definition)
    fields = draft["entities"][0]["fields"]
    fields.append({"key": "website", "type": "text"})
    email = next(f for f in fields if f["key"] == "email")
    email.update(key="mail", renamed_from="email")
    put_draft(client, auth, draft)

    plan = client.get(f"{BASE}/definition/plan", headers=auth)
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert (body["from_version"], body["to_version"], body["blocking"]) == ("1.0.0", "1.0.1", [])
    assert [op["kind"] for op in body["operations"]] == ["rename_field", "add_field"]
    assert all(set(op["description"]) == {"en", "zh-CN"} for op in body["operations"])

    published = client.post(f"{BASE}/definition/publish", headers=auth)
    assert published.status_code == 200, published.text
    assert published.json()["version"] == "1.0.1" and published.json()["status"] == "published"
    definition = client.get(f"{BASE}/definition", headers=auth).json()
    assert definition["version"] == "1.0.1"
    after = customers(client, auth)
    assert after["Acme"]["mail"] == "a@acme.cn" and after["Acme"]["website"] is None
    assert "email" not in after["Acme"]
    created = client.post(
        f"{BASE}/customer", json={"name": "Cog", "website": "cog.cn"}, headers=auth
    )
    assert created.status_code == 201 and created.json()["website"] == "cog.cn"
    assert client.get(f"{BASE}/definition/draft", headers=auth).status_code == 404


def test_a_conversion_that_cannot_be_done_answers_422_naming_records(
    client: TestClient, auth: dict[str, str], mini_crm: str, example_definition: dict[str, Any]
) -> None:
    add_customers(client, auth, {"name": "Acme", "phone": "13812345678"}, {"name": "Bolt"})
    add_customers(client, auth, {"name": "Cog", "phone": "010-12345678"})
    cog = customers(client, auth)["Cog"]["id"]
    draft = copy.deepcopy(example_definition)
    phone = next(f for f in draft["entities"][0]["fields"] if f["key"] == "phone")
    phone.update(type="number", label={"en": "Phone"})
    put_draft(client, auth, draft)

    blocking = client.get(f"{BASE}/definition/plan", headers=auth).json()["blocking"]
    assert [(b["path"], b["total"]) for b in blocking] == [("customer.phone", 1)]
    response = client.post(f"{BASE}/definition/publish", headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == "customer.phone" and error["record"] == cog
    assert error["value"] == "010-12345678" and "must be a number" in error["message"]
    assert client.get(f"{BASE}/definition", headers=auth).json()["version"] == "1.0.0"
    assert customers(client, auth)["Acme"]["phone"] == "13812345678"


def test_an_unsupported_change_is_refused_before_any_data_is_read(
    client: TestClient, auth: dict[str, str], mini_crm: str, example_definition: dict[str, Any]
) -> None:
    draft = copy.deepcopy(example_definition)
    owner = next(f for f in draft["entities"][0]["fields"] if f["key"] == "owner")
    owner.update(type="text")
    owner.pop("default")
    put_draft(client, auth, draft)
    response = client.post(f"{BASE}/definition/publish", headers=auth)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "$.entities[0].fields[7].type"


def test_removed_fields_come_back_when_readded(
    client: TestClient, auth: dict[str, str], mini_crm: str, example_definition: dict[str, Any]
) -> None:
    add_customers(client, auth, {"name": "Acme", "email": "a@acme.cn"})
    without = copy.deepcopy(example_definition)
    without["entities"][0]["fields"] = [
        f for f in without["entities"][0]["fields"] if f["key"] != "email"
    ]
    put_draft(client, auth, without)
    removed = client.post(f"{BASE}/definition/publish", headers=auth)
    assert removed.status_code == 200, removed.text
    assert "email" not in customers(client, auth)["Acme"]
    again = copy.deepcopy(example_definition)
    again["version"] = "1.2.0"
    put_draft(client, auth, again)
    kinds = [
        op["kind"]
        for op in client.get(f"{BASE}/definition/plan", headers=auth).json()["operations"]
    ]
    assert kinds == ["restore_field"]
    assert client.post(f"{BASE}/definition/publish", headers=auth).json()["version"] == "1.2.0"
    assert customers(client, auth)["Acme"]["email"] == "a@acme.cn"


def test_only_admins_plan_and_publish_and_only_real_changes(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    tenant: str,
    example_definition: dict[str, Any],
) -> None:
    assert client.get(f"{BASE}/definition/plan", headers=auth).status_code == 404
    assert client.post(f"{BASE}/definition/publish", headers=auth).status_code == 404
    put_draft(client, auth, example_definition)
    rep = login(client, tenant, "rep")
    assert client.get(f"{BASE}/definition/plan", headers=rep).status_code == 403
    assert client.post(f"{BASE}/definition/publish", headers=rep).status_code == 403
    assert client.get(f"{BASE}/definition/plan", headers=auth).json()["operations"] == []
    assert client.post(f"{BASE}/definition/publish", headers=auth).status_code == 409
