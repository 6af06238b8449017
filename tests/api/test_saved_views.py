"""Personal saved views of a list: per user, checked like the user's own list
request, replaced by name (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.platform import Platform
from tests.conftest import login
from tests.engine.actions.sales_app import install_sales

URL = "/api/apps/sales/lead/saved-views"


def test_saved_views_belong_to_their_user(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    install_sales(platform, tenant)
    rep_a, rep_b = login(client, tenant, "rep_a"), login(client, tenant, "rep_b")
    view = {
        "name": "Hot leads",
        "filter": {"field": "status", "op": "in", "value": ["new"]},
        "sort": ["-created_at"],
        "columns": ["company", "status"],
        "q": "苏州",
    }
    saved = client.post(URL, json=view, headers=rep_a)
    assert saved.status_code == 201, saved.text
    assert saved.json()["definition"] == {k: v for k, v in view.items() if k != "name"}
    assert [v["name"] for v in client.get(URL, headers=rep_a).json()["items"]] == ["Hot leads"]
    assert client.get(URL, headers=rep_b).json()["items"] == []
    # Another user cannot delete it: it is not found for them.
    view_id = saved.json()["id"]
    assert client.delete(f"{URL}/{view_id}", headers=rep_b).status_code == 404
    # Saving under the same name replaces the view.
    again = client.post(URL, json={"name": "Hot leads", "sort": ["company"]}, headers=rep_a)
    assert again.status_code == 200 and again.json()["id"] == view_id
    assert again.json()["definition"] == {
        "filter": None,
        "sort": ["company"],
        "columns": [],
        "q": None,
    }
    assert client.delete(f"{URL}/{view_id}", headers=rep_a).status_code == 204
    assert client.get(URL, headers=rep_a).json()["items"] == []


def test_a_view_is_checked_like_a_list_request(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    install_sales(platform, tenant)
    rep_a = login(client, tenant, "rep_a")
    bad = [
        {"name": "x", "filter": {"field": "nope", "op": "eq", "value": 1}},
        {"name": "x", "filter": {"field": "status", "op": "between", "value": 3}},
        {"name": "x", "sort": ["nope"]},
        {"name": "x", "columns": ["company", "nope"]},
        {"name": "  "},
        {"name": "x", "extra": 1},
        {"name": "x", "q": "x" * 201},
    ]
    for body in bad:
        answer = client.post(URL, json=body, headers=rep_a)
        assert answer.status_code == 422, (body, answer.text)
    assert client.get(URL, headers=rep_a).json()["items"] == []
    # Someone with no role in the app has no list to save a view of.
    nobody = login(client, tenant, "rep")
    assert client.post(URL, json={"name": "x"}, headers=nobody).status_code == 403
    assert client.delete(f"{URL}/99999999999", headers=rep_a).status_code == 422
