"""The overlay and upgrade endpoints, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from builder.overlay import diff_to_overlay
from builder.validate import load_definition
from tests.builder.shop import SHOP, SHOP_1_1, TENANT_EDITS, Json, edited, field, remove_phone
from tests.conftest import login


@pytest.fixture
def shop(client: TestClient, auth: dict[str, str]) -> str:
    """The shop template installed and customised through the builder API."""
    assert client.post("/api/apps", json=SHOP, headers=auth).status_code == 201
    draft = client.put("/api/apps/shop/definition/draft", json=edited(*TENANT_EDITS), headers=auth)
    assert draft.status_code == 200, draft.text
    published = client.post("/api/apps/shop/definition/publish", headers=auth)
    assert published.status_code == 200, published.text
    return "shop"


def test_the_overlay_of_a_customised_app(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    response = client.get(f"/api/apps/{shop}/overlay", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["template"] == {"key": "shop", "version": "1.0.0"}
    assert body["version"] == "1.0.1"
    assert [c["kind"] for c in body["overlay"]["changes"]] == [
        "relabel",
        "add_field",
        "add_option",
        "hide_field",
        "place_field",
        "place_field",
    ]


def test_plan_then_upgrade(client: TestClient, auth: dict[str, str], shop: str) -> None:
    request = {"to": "1.1.0", "template": SHOP_1_1}
    plan = client.post(f"/api/apps/{shop}/upgrade/plan", json=request, headers=auth)
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["ready"] is True
    assert body["customisations"]["conflicts"] == []
    assert body["plan"]["operations"][0]["kind"] == "add_field"

    done = client.post(f"/api/apps/{shop}/upgrade", json=request, headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["template_version"] == "1.1.0"
    definition = client.get(f"/api/apps/{shop}/definition", headers=auth).json()
    assert definition["version"] == "1.1.0"
    created = client.post(
        f"/api/apps/{shop}/deal", json={"title": "x", "stage": "negotiation"}, headers=auth
    )
    assert created.status_code == 201, created.text


def test_a_change_set_is_a_template_version_too(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    changes = diff_to_overlay(load_definition(SHOP), load_definition(SHOP_1_1)).to_json()
    request = {"to": "1.1.0", "template": {**changes, "version": "1.1.0"}}
    done = client.post(f"/api/apps/{shop}/upgrade", json=request, headers=auth)
    assert done.status_code == 200, done.text


def test_conflicts_answer_409_naming_each_and_resolutions_settle_them(
    client: TestClient, auth: dict[str, str], shop: str
) -> None:
    removing: Json = edited(remove_phone, data=SHOP_1_1)
    request: Json = {"to": "1.1.0", "template": removing}
    refused = client.post(f"/api/apps/{shop}/upgrade", json=request, headers=auth)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    (error,) = refused.json()["errors"]
    assert error["field"] == "relabel:customer.phone"
    assert (error["code"], error["resolutions"]) == ("missing_target", ["drop"])
    assert refused.json()["report"]["plan"] is None
    definition = client.get(f"/api/apps/{shop}/definition", headers=auth).json()
    assert definition["version"] == "1.0.1"

    request["resolutions"] = {"relabel:customer.phone": "drop"}
    done = client.post(f"/api/apps/{shop}/upgrade", json=request, headers=auth)
    assert done.status_code == 200, done.text
    definition = client.get(f"/api/apps/{shop}/definition", headers=auth).json()
    assert "phone" not in {f["key"] for f in definition["entities"][0]["fields"]}
    assert field(definition, "customer", "wechat")["type"] == "text"


def test_bad_requests(client: TestClient, auth: dict[str, str], shop: str, tenant: str) -> None:
    bundled = client.get(f"/api/apps/{shop}/upgrade/plan", params={"to": "1.1.0"}, headers=auth)
    assert bundled.status_code == 422
    assert "no bundled template 'shop'" in bundled.json()["detail"]
    wrong = {"to": "1.2.0", "template": SHOP_1_1}
    mismatch = client.post(f"/api/apps/{shop}/upgrade/plan", json=wrong, headers=auth)
    assert mismatch.status_code == 422 and "not 1.2.0" in mismatch.json()["detail"]
    older = client.post(
        f"/api/apps/{shop}/upgrade", json={"to": "1.0.0", "template": SHOP}, headers=auth
    )
    assert older.status_code == 409 and "not a newer version" in older.json()["detail"]
    unknown = {"to": "1.1.0", "template": SHOP_1_1, "resolutions": {"nothing": "drop"}}
    assert (
        client.post(f"/api/apps/{shop}/upgrade/plan", json=unknown, headers=auth).status_code == 409
    )
    missing = client.post("/api/apps/nothing/upgrade/plan", json=wrong, headers=auth)
    assert missing.status_code == 404
    rep = login(client, tenant, "rep")
    assert client.get(f"/api/apps/{shop}/overlay", headers=rep).status_code == 403
    request = {"to": "1.1.0", "template": SHOP_1_1}
    assert client.post(f"/api/apps/{shop}/upgrade", json=request, headers=rep).status_code == 403
