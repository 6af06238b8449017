"""``GET /api/apps/{app}/{entity}/{id}/history``: the readable history of a record."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.platform import Platform
from tests.conftest import login
from tests.engine.actions.sales_app import install_sales

BASE = "/api/apps/sales"


def test_a_converted_lead_names_its_actions_and_keeps_the_raw_members(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant)
    lead = sales.lead("ACME", phone="13800000000")
    rep = login(client, tenant, "rep_a")
    assert client.post(f"{BASE}/lead/{lead}/actions/claim", headers=rep).status_code == 200
    converted = client.post(
        f"{BASE}/lead/{lead}/actions/convert", json={"opportunity": {"amount": 1}}, headers=rep
    )
    assert converted.status_code == 200, converted.text
    customer = converted.json()["created"]["customer"]

    response = client.get(f"{BASE}/lead/{lead}/history", headers=rep)

    assert response.status_code == 200, response.text
    history = response.json()
    # The members API clients already read are all still there.
    assert [h["action"] for h in history] == ["create", "update", "action", "update", "action"]
    assert all({"at", "user_id", "user", "action", "changes"} <= h.keys() for h in history)
    assert [h["title"]["en"] for h in history] == [
        "Created",
        "Changed",
        "Claimed",
        "Changed",
        "Converted",
    ]
    assert [h.get("action_key") for h in history if h["action"] == "action"] == ["claim", "convert"]
    linked = next(c for c in history[3]["changes"] if c["field"] == "converted_customer")
    assert (linked["to"], linked["to_display"]) == (customer, "ACME")
    assert {"field", "from", "to", "label"} <= linked.keys()


def test_outside_the_read_scope_it_is_404(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant)
    theirs = sales.create("customer", name="Initech", owner=sales.ids["rep_b"])
    other = login(client, tenant, "rep_w")
    response = client.get(f"{BASE}/customer/{theirs}/history", headers=other)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
