"""Installing app definitions: all or nothing."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import inspect

from api.platform import Platform


def test_example_app_installs_and_lists(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    apps = client.get("/api/apps", headers=auth).json()
    assert apps[0]["key"] == "mini_crm" and apps[0]["label"]["en"] == "Mini CRM"
    assert [e["key"] for e in apps[0]["entities"]] == ["customer", "opportunity"]
    definition = client.get("/api/apps/mini_crm/definition", headers=auth).json()
    assert definition["entities"][0]["fields"][0]["pattern"] == "CUS-{YYYY}{MM}-{seq:4}"


def test_same_definition_twice_is_a_no_op_and_another_is_refused(
    client: TestClient, auth: dict[str, str], mini_crm: str, example_definition: dict[str, Any]
) -> None:
    again = client.post("/api/apps", json=example_definition, headers=auth)
    assert again.status_code == 201
    renumbered = copy.deepcopy(example_definition)
    renumbered["version"] = "1.0.1"
    assert client.post("/api/apps", json=renumbered, headers=auth).status_code == 201
    changed = copy.deepcopy(example_definition)
    changed["entities"][0]["fields"].append({"key": "website", "type": "url"})
    assert client.post("/api/apps", json=changed, headers=auth).status_code == 409


def test_invalid_definition_lists_every_error_and_installs_nothing(
    client: TestClient,
    auth: dict[str, str],
    example_definition: dict[str, Any],
    platform: Platform,
    tenant: str,
) -> None:
    broken = copy.deepcopy(example_definition)
    broken["entities"][1]["fields"][1]["target"] = "company"
    broken["entities"][0]["fields"][2]["options"].append({"value": "retail"})
    broken["forms"][0]["layout"][0]["fields"].append("ghost")
    broken["entities"][1]["fields"][5]["expr"] = "ROUND(amount * (1 - discont), 2)"
    broken["entities"][0]["fields"].append({"key": "size", "type": "hologram"})
    response = client.post("/api/apps", json=broken, headers=auth)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {
        "$.entities[1].fields[1].target",
        "$.entities[0].fields[2].options[3].value",
        "$.forms[0].layout[0].fields[4]",
        "$.entities[1].fields[5].expr",
        "$.entities[0].fields[10].type",
    } <= fields
    assert client.get("/api/apps", headers=auth).json() == []
    with platform.store.read(tenant) as conn:
        assert not [t for t in inspect(conn).get_table_names() if t.startswith("a_")]


def test_failed_ddl_rolls_back_the_metadata(
    client: TestClient,
    auth: dict[str, str],
    example_definition: dict[str, Any],
    platform: Platform,
    tenant: str,
) -> None:
    # A table in the way makes CREATE TABLE fail after the app rows were written.
    with platform.store.write(tenant) as conn:
        conn.exec_driver_sql("CREATE TABLE a_mini_crm__opportunity (id INTEGER PRIMARY KEY)")
    response = client.post("/api/apps", json=example_definition, headers=auth)
    assert response.status_code == 500
    assert client.get("/api/apps", headers=auth).json() == []
    with platform.store.read(tenant) as conn:
        assert "a_mini_crm__customer" not in inspect(conn).get_table_names()


def test_drafts_are_validated_and_kept_apart(
    client: TestClient, auth: dict[str, str], mini_crm: str, example_definition: dict[str, Any]
) -> None:
    url = "/api/apps/mini_crm/definition/draft"
    assert client.get(url, headers=auth).status_code == 404
    draft = copy.deepcopy(example_definition)
    draft["version"] = "1.1.0"
    draft["entities"][0]["fields"].append({"key": "website", "type": "text"})
    saved = client.put(url, json=draft, headers=auth)
    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    assert client.get(url, headers=auth).json()["version"] == "1.1.0"
    published = client.get("/api/apps/mini_crm/definition", headers=auth).json()
    assert published["version"] == "1.0.0"
    draft["entities"][0]["fields"].append({"key": "website", "type": "text"})
    invalid = client.put(url, json=draft, headers=auth)
    assert invalid.status_code == 422
    assert client.get(url, headers=auth).json()["entities"][0]["fields"][-1]["key"] == "website"
    other_key = {**draft, "key": "other"}
    assert client.put(url, json=other_key, headers=auth).status_code == 422
