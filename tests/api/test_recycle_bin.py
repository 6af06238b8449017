"""Soft delete, the recycle bin, restore, purge, and per-record history."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BASE = "/api/apps/mini_crm"


def create(client: TestClient, auth: dict[str, str], entity: str, **values: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/{entity}", json=values, headers=auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_delete_restore_purge(client: TestClient, auth: dict[str, str], mini_crm: str) -> None:
    customer = create(client, auth, "customer", name="Acme")
    url = f"{BASE}/customer/{customer['id']}"
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404
    assert client.get(f"{BASE}/customer", headers=auth).json()["total"] == 0
    binned = client.get(f"{BASE}/customer/deleted", headers=auth).json()
    assert [r["name"] for r in binned["items"]] == ["Acme"]
    assert binned["items"][0]["deleted_by"] is not None
    restored = client.post(f"{url}/restore", headers=auth)
    assert restored.status_code == 200 and restored.json()["version"] == 3
    assert client.get(f"{BASE}/customer/deleted", headers=auth).json()["total"] == 0
    client.delete(url, headers=auth)
    assert (
        client.delete(f"{BASE}/customer/deleted/{customer['id']}", headers=auth).status_code == 204
    )
    assert client.post(f"{url}/restore", headers=auth).status_code == 404


def test_links_to_binned_records_are_refused_and_rollups_skip_them(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    customer = create(client, auth, "customer", name="Acme")
    deal = create(client, auth, "opportunity", name="D", customer=customer["id"], amount=500)
    customer_url = f"{BASE}/customer/{customer['id']}"
    assert client.get(customer_url, headers=auth).json()["open_amount"] == 500
    client.delete(f"{BASE}/opportunity/{deal['id']}", headers=auth)
    assert client.get(customer_url, headers=auth).json()["open_amount"] == 0
    client.delete(customer_url, headers=auth)
    response = client.post(
        f"{BASE}/opportunity", json={"name": "E", "customer": customer["id"]}, headers=auth
    )
    assert response.json()["errors"] == [
        {"field": "customer", "message": f"customer #{customer['id']} is in the recycle bin"}
    ]
    # Purging the customer is blocked by the binned opportunity that still links to it.
    purge = client.delete(f"{BASE}/customer/deleted/{customer['id']}", headers=auth)
    assert purge.status_code == 409


def test_restore_refused_when_unique_value_was_taken(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    first = create(client, auth, "customer", name="Acme")
    client.delete(f"{BASE}/customer/{first['id']}", headers=auth)
    taken = client.post(f"{BASE}/customer", json={"name": "Acme"}, headers=auth)
    assert "in the recycle bin" in taken.json()["errors"][0]["message"]


def test_history_names_who_changed_what(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    customer = create(client, auth, "customer", name="Acme", industry="retail")
    url = f"{BASE}/customer/{customer['id']}"
    client.patch(url, json={"version": 1, "industry": "software", "email": "a@b.cn"}, headers=auth)
    client.delete(url, headers=auth)
    client.post(f"{url}/restore", headers=auth)
    history = client.get(f"{url}/history", headers=auth).json()
    assert [h["action"] for h in history] == ["create", "update", "delete", "restore"]
    assert history[0]["user"] == "Admin"
    # The raw members of each change (labels and display values come beside them).
    changes = [{k: c[k] for k in ("field", "from", "to")} for c in history[1]["changes"]]
    assert {"field": "industry", "from": "retail", "to": "software"} in changes
    assert {"field": "email", "from": None, "to": "a@b.cn"} in changes
    assert client.get(f"{BASE}/customer/999/history", headers=auth).status_code == 404


def test_only_admins_purge(
    client: TestClient, auth: dict[str, str], mini_crm: str, tenant: str
) -> None:
    from tests.conftest import login

    customer = create(client, auth, "customer", name="Acme")
    client.delete(f"{BASE}/customer/{customer['id']}", headers=auth)
    rep = login(client, tenant, "rep")
    assert (
        client.delete(f"{BASE}/customer/deleted/{customer['id']}", headers=rep).status_code == 403
    )


def test_the_recycle_bin_is_filtered_searched_and_sorted_like_the_list(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    for name in ("Acme", "Globex", "Initech"):
        customer = create(client, auth, "customer", name=name)
        assert client.delete(f"{BASE}/customer/{customer['id']}", headers=auth).status_code == 204
    binned = f"{BASE}/customer/deleted"

    def names(**params: Any) -> list[str]:
        response = client.get(binned, params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [r["name"] for r in response.json()["items"]]

    assert names() == ["Initech", "Globex", "Acme"]  # newest deletion first
    assert names(filter='{"field": "name", "op": "eq", "value": "Globex"}') == ["Globex"]
    assert names(q="acme") == ["Acme"]
    assert names(name="Initech") == ["Initech"]
    assert names(sort="name") == ["Acme", "Globex", "Initech"]
    # A filter the list refuses is refused here too, never silently ignored.
    bad = client.get(
        binned, params={"filter": '{"field": "nope", "op": "eq", "value": 1}'}, headers=auth
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "filter.field"
