"""Roles through HTTP: record scopes, field access, 403 and 404, on SQLite and PostgreSQL.

The organisation of these tests (``PEOPLE`` has everyone's roles)::

    Sales (director, regional) ─┬─ East (manager, regional_e, rep_a, rep_b) ── East A (rep_c)
                                └─ West (rep_w)
    Finance (finance)           auditor: no department; rep (conftest): no role
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.demo import DEMO_PASSWORD, EXAMPLE_APP, create_demo_users
from api.platform import Platform
from builder.apps import install_app
from builder.validate import load_definition_file
from engine.accounts.departments import department_head_for, manager_chain
from engine.accounts.users import create_department, create_user, grant_role
from engine.store.tables import users
from tests.conftest import login

BASE = "/api/apps/mini_crm"
NO_NAME = "Customer has no field 'name'"

#: Roles the example does not have, to reach every kind of access.
TEST_ROLES: list[dict[str, Any]] = [
    {
        "key": "regional",
        "permissions": {
            "customer": {"read": "department_and_below", "update": "department_and_below"},
            "opportunity": {"read": "department_and_below"},
        },
    },
    {
        "key": "auditor",
        "permissions": {
            "customer": {"read": "all", "fields": {"name": "hidden", "credit_limit": "hidden"}},
            "opportunity": {
                "read": "all",
                "create": True,
                "update": "all",
                "fields": {"amount": "hidden", "lost_reason": "hidden", "discount": "read"},
            },
        },
    },
]

#: username → (department, roles)
PEOPLE: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "director": ("sales", ("sales_director",)),
    "regional": ("sales", ("regional",)),
    "regional_e": ("east", ("regional",)),
    "manager": ("east", ("sales_manager",)),
    "rep_a": ("east", ("sales_rep",)),
    "rep_b": ("east", ("sales_rep",)),
    "rep_c": ("east_a", ("sales_rep",)),
    "rep_w": ("west", ("sales_rep",)),
    "finance": ("finance", ("finance",)),
    "auditor": (None, ("auditor",)),
}


@dataclass
class Org:
    client: TestClient
    tenant: str
    ids: dict[str, int]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.headers:
            self.headers[username] = login(self.client, self.tenant, username)
        return self.headers[username]

    def call(self, username: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.request(
            method, BASE + path, headers=self.auth(username), **kwargs
        )
        return response

    def create(self, username: str, entity: str, **values: Any) -> dict[str, Any]:
        response = self.call(username, "POST", f"/{entity}", json=values)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def names(self, username: str, entity: str, **params: Any) -> list[str]:
        response = self.call(username, "GET", f"/{entity}", params={"page_size": 100, **params})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return sorted(item["name"] for item in body["items"])


@pytest.fixture
def org(
    client: TestClient,
    auth: dict[str, str],
    platform: Platform,
    tenant: str,
    example_definition: dict[str, Any],
) -> Org:
    definition = copy.deepcopy(example_definition)
    definition["roles"] += TEST_ROLES
    response = client.post("/api/apps", json=definition, headers=auth)
    assert response.status_code == 201, response.text
    ids: dict[str, int] = {}
    with platform.store.write(tenant) as conn:
        sales = create_department(conn, "Sales")
        east = create_department(conn, "East", sales)
        departments = {
            "sales": sales,
            "east": east,
            "east_a": create_department(conn, "East A", east),
            "west": create_department(conn, "West", sales),
            "finance": create_department(conn, "Finance"),
        }
        for username, (department, roles) in PEOPLE.items():
            user = create_user(
                conn,
                platform.passwords,
                username,
                "pw",
                department_id=departments[department] if department else None,
            )
            ids[username] = user.id
            for role in roles:
                grant_role(conn, user.id, "mini_crm", role)
    organisation = Org(client, tenant, ids)
    organisation.headers["admin"] = auth
    return organisation


@pytest.fixture
def customers(org: Org) -> dict[str, dict[str, Any]]:
    """One customer owned by each of these people (the owner defaults to the creator)."""
    made = {who: org.create(who, "customer", name=f"of {who}") for who in ("rep_a", "rep_b")}
    for who in ("rep_c", "rep_w", "finance", "admin"):
        made[who] = org.create("admin", "customer", name=f"of {who}", owner=org.ids.get(who))
    return made


def test_a_rep_sees_and_changes_only_their_own_records(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    assert org.names("rep_a", "customer") == ["of rep_a"]
    theirs = customers["rep_b"]["id"]
    for method, path, body in [
        ("GET", f"/customer/{theirs}", None),
        ("PATCH", f"/customer/{theirs}", {"version": 1, "industry": "retail"}),
        ("GET", f"/customer/{theirs}/history", None),
    ]:
        response = org.call("rep_a", method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        # Out of scope reads as missing, and names no id.
        assert response.json()["detail"] == "Customer: does not exist or you may not see it"
    mine = customers["rep_a"]["id"]
    changed = org.call("rep_a", "PATCH", f"/customer/{mine}", json={"version": 1, "tags": ["vip"]})
    assert changed.status_code == 200 and changed.json()["tags"] == ["vip"]
    assert org.call("rep_a", "GET", f"/customer/{mine}/history").status_code == 200
    # Not even a filter on the owner reaches someone else's records.
    assert org.names("rep_a", "customer", owner=org.ids["rep_b"]) == []


def test_own_means_the_owner_field_and_handing_over_is_allowed(org: Org) -> None:
    handed = org.create("rep_a", "customer", name="for B", owner=org.ids["rep_b"])
    assert handed["owner"] == org.ids["rep_b"]  # the answer shows what was just written
    assert org.call("rep_a", "GET", f"/customer/{handed['id']}").status_code == 404
    assert org.names("rep_b", "customer") == ["for B"]
    # Opportunities have no owner field: their owner is whoever created them.
    customer = org.create("rep_a", "customer", name="Acme")
    deal = org.create("rep_a", "opportunity", name="Deal", customer=customer["id"])
    assert org.names("rep_a", "opportunity") == ["Deal"]
    assert org.names("rep_b", "opportunity") == []
    assert org.call("rep_b", "GET", f"/opportunity/{deal['id']}").status_code == 404


def test_a_manager_sees_their_department_only(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    assert org.names("manager", "customer") == ["of rep_a", "of rep_b"]
    below = customers["rep_c"]["id"]  # East A is below East, but "department" is East only
    assert org.call("manager", "GET", f"/customer/{below}").status_code == 404
    colleague = customers["rep_b"]["id"]
    changed = org.call("manager", "PATCH", f"/customer/{colleague}", json={"version": 1})
    assert changed.status_code == 200


def test_department_and_below_reaches_the_whole_subtree(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    everyone_in_sales = ["of rep_a", "of rep_b", "of rep_c", "of rep_w"]
    assert org.names("regional", "customer") == everyone_in_sales
    assert org.names("regional_e", "customer") == ["of rep_a", "of rep_b", "of rep_c"]
    west = customers["rep_w"]["id"]
    assert org.call("regional_e", "GET", f"/customer/{west}").status_code == 404
    deep = customers["rep_c"]["id"]
    response = org.call("regional_e", "PATCH", f"/customer/{deep}", json={"version": 1})
    assert response.status_code == 200, response.text
    # Counting and paging see the same records as the page.
    page = org.call("regional", "GET", "/customer", params={"page_size": 1}).json()
    assert page["total"] == 4 and len(page["items"]) == 1


def test_readable_but_not_changeable_is_403_out_of_sight_is_404(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    # The director reads everything but changes only Sales and below.
    assert len(org.names("director", "customer")) == 6
    finance_owned = customers["finance"]["id"]
    response = org.call("director", "PATCH", f"/customer/{finance_owned}", json={"version": 1})
    assert response.status_code == 403
    assert response.json()["detail"] == "you may not update this Customer"
    assert org.call("director", "DELETE", f"/customer/{finance_owned}").status_code == 403
    assert org.call("director", "DELETE", f"/customer/{customers['rep_w']['id']}").status_code == (
        204
    )
    assert org.call("director", "PATCH", "/customer/999999", json={"version": 1}).status_code == (
        404
    )


def test_actions_not_granted_are_403(org: Org, customers: dict[str, dict[str, Any]]) -> None:
    mine = customers["rep_a"]["id"]
    response = org.call("rep_a", "DELETE", f"/customer/{mine}")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "you may not delete customer records"
    # The entity is named by its label in the reader's language, not by its key.
    chinese = {**org.auth("rep_a"), "Accept-Language": "zh-CN"}
    response = org.client.request("DELETE", f"{BASE}/customer/{mine}", headers=chinese)
    assert response.json()["detail"] == "你无权删除客户记录"
    # Finance reads everything and changes nothing.
    assert len(org.names("finance", "customer")) == 6
    assert org.call("finance", "POST", "/customer", json={"name": "X"}).status_code == 403
    assert org.call("finance", "POST", "/customer/bulk", json=[{"name": "X"}]).status_code == 403
    assert org.call("finance", "PATCH", f"/customer/{mine}", json={"version": 1}).status_code == (
        403
    )
    assert org.call("finance", "DELETE", f"/customer/{mine}").status_code == 403
    assert org.call("finance", "POST", f"/customer/{mine}/restore").status_code == 403
    assert org.call("finance", "DELETE", f"/customer/deleted/{mine}").status_code == 403


def test_no_role_in_the_app_is_403_everywhere(org: Org, customers: dict[str, Any]) -> None:
    mine = customers["rep_a"]["id"]
    for method, path in [
        ("GET", "/customer"),
        ("POST", "/customer"),
        ("GET", f"/customer/{mine}"),
        ("GET", "/customer/deleted"),
        ("GET", "/permissions"),
    ]:
        response = org.call("rep", method, path, json={"name": "X"} if method == "POST" else None)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"] == "you have no role in app 'mini_crm'"


def test_recycle_bin_and_restore_stay_within_scope(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    def deal_of(who: str) -> dict[str, Any]:
        customer = customers[who]["id"]
        return org.create(who, "opportunity", name=f"deal of {who}", customer=customer)

    a, c = deal_of("rep_a"), deal_of("rep_c")
    assert org.call("manager", "DELETE", f"/opportunity/{c['id']}").status_code == 404
    assert org.call("manager", "DELETE", f"/opportunity/{a['id']}").status_code == 204
    assert org.call("admin", "DELETE", f"/opportunity/{c['id']}").status_code == 204
    binned = org.call("manager", "GET", "/opportunity/deleted").json()
    assert [item["name"] for item in binned["items"]] == ["deal of rep_a"]
    assert org.call("manager", "POST", f"/opportunity/{c['id']}/restore").status_code == 404
    # The rep reads their binned record's history but may not restore it.
    assert org.call("rep_a", "GET", f"/opportunity/{a['id']}/history").status_code == 200
    restore = org.call("rep_a", "POST", f"/opportunity/{a['id']}/restore")
    assert restore.status_code == 403
    assert restore.json()["detail"] == "you may not delete opportunity records"
    assert org.call("manager", "POST", f"/opportunity/{a['id']}/restore").status_code == 200
    assert org.call("manager", "POST", f"/opportunity/{a['id']}/restore").status_code == 404


def test_read_only_fields_cannot_be_written_through_any_endpoint(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    customer = customers["rep_a"]["id"]
    deal = {"name": "D", "customer": customer, "amount": 100}
    response = org.call("rep_a", "POST", "/opportunity", json={**deal, "discount": 0.5})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "discount", "message": "is read-only for you"}]
    bulk = org.call("rep_a", "POST", "/opportunity/bulk", json=[deal, {**deal, "discount": 0.1}])
    assert bulk.status_code == 422
    assert bulk.json()["errors"] == [{"field": "[1].discount", "message": "is read-only for you"}]
    created = org.create("rep_a", "opportunity", **deal)
    assert created["discount"] is None and created["net_amount"] is None
    # A change is refused (sending the stored value back is not a change: test_write_conditions).
    patch = org.call(
        "rep_a", "PATCH", f"/opportunity/{created['id']}", json={"version": 1, "discount": 0.2}
    )
    assert patch.status_code == 422
    assert patch.json()["errors"] == [{"field": "discount", "message": "is read-only for you"}]
    assert org.names("rep_a", "opportunity") == ["D"]  # nothing of the refused writes stayed
    # The manager may write it: the read-only level belongs to the rep's role.
    managed = org.call(
        "manager", "PATCH", f"/opportunity/{created['id']}", json={"version": 1, "discount": 0.1}
    )
    assert managed.status_code == 200 and managed.json()["net_amount"] == 90


def test_hidden_fields_never_leave_the_server(
    org: Org, customers: dict[str, dict[str, Any]]
) -> None:
    acme = org.create("admin", "customer", name="Acme", credit_limit=5000)
    deal = org.create(
        "admin",
        "opportunity",
        name="Secret deal",
        customer=acme["id"],
        amount=1000,
        discount=0.1,
        stage="lost",
        lost_reason="sauce",
    )
    org.call(
        "admin", "PATCH", f"/opportunity/{deal['id']}", json={"version": 1, "amount": 2000}
    ).raise_for_status()
    org.call(
        "admin", "PATCH", f"/opportunity/{deal['id']}", json={"version": 2, "name": "Deal"}
    ).raise_for_status()
    hidden = {"amount", "net_amount", "lost_reason"}  # net_amount is a formula of amount

    one = org.call("auditor", "GET", f"/opportunity/{deal['id']}").json()
    page = org.call("auditor", "GET", "/opportunity").json()["items"]
    for record in (one, *page):
        assert hidden.isdisjoint(record) and hidden.isdisjoint(record["_display"])
        assert record["discount"] == 0.1
        # The customer's name is hidden from the auditor, so is it as the link's title.
        assert record["customer"] == acme["id"] and "customer" not in record["_display"]
    history = org.call("auditor", "GET", f"/opportunity/{deal['id']}/history").json()
    changed = [{c["field"] for c in entry["changes"]} for entry in history]
    created_fields = {"name", "customer", "stage", "discount", "close_date", "lines", "attachments"}
    assert changed == [created_fields, set(), {"name"}]
    assert "sauce" not in str(history) and "2000" not in str(history)
    customer = org.call("auditor", "GET", f"/customer/{acme['id']}").json()
    assert "name" not in customer and "credit_limit" not in customer
    # A roll-up of a field hidden on the related entity is hidden too (derived access).
    assert "open_amount" not in customer

    # Filtering, sorting or searching by a hidden field is refused like an unknown field.
    for params, field_name in [({"amount": "2000"}, "amount"), ({"sort": "-amount"}, "sort")]:
        answer = org.call("auditor", "GET", "/opportunity", params=params)
        assert answer.status_code == 422, params
        assert [e["field"] for e in answer.json()["errors"]] == [field_name]
        assert org.call("admin", "GET", "/opportunity", params=params).status_code == 200
    # Nor through a link: the customer's name and credit limit are hidden from the auditor.
    starts_with_a = '{"field": "customer.name", "op": "starts_with", "value": "A"}'
    for params, error in [
        ({"customer.name": "Acme"}, {"field": "customer.name", "message": NO_NAME}),
        ({"filter": starts_with_a}, {"field": "filter.field", "message": NO_NAME}),
        (
            {"sort": "customer.credit_limit"},
            {
                "field": "sort",
                "message": "cannot sort by 'customer.credit_limit': "
                "Customer has no field 'credit_limit'",
            },
        ),
    ]:
        answer = org.call("auditor", "GET", "/opportunity", params=params)
        assert answer.status_code == 422 and answer.json()["errors"] == [error], params
        assert org.call("admin", "GET", "/opportunity", params=params).status_code == 200
    by_owner = org.call(
        "auditor", "GET", "/opportunity", params={"customer.owner": org.ids["rep_a"]}
    )
    assert by_owner.status_code == 200
    search = {"q": "sauce"}
    assert org.call("admin", "GET", "/opportunity", params=search).json()["total"] == 1
    assert org.call("auditor", "GET", "/opportunity", params=search).json()["total"] == 0

    # A hidden field cannot be written either, and the write's answer hides it too.
    refused = org.call(
        "auditor", "PATCH", f"/opportunity/{deal['id']}", json={"version": 3, "amount": 1}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "amount", "message": "is read-only for you"}]
    written = org.call(
        "auditor", "PATCH", f"/opportunity/{deal['id']}", json={"version": 3, "name": "X"}
    )
    assert written.status_code == 200 and hidden.isdisjoint(written.json())
    created = org.create("auditor", "opportunity", name="New", customer=acme["id"])
    assert hidden.isdisjoint(created) and "customer" not in created["_display"]
    admin_view = org.call("admin", "GET", f"/opportunity/{deal['id']}").json()
    assert admin_view["amount"] == 2000 and admin_view["net_amount"] == 1800


def test_permissions_endpoint_describes_the_callers_access(org: Org) -> None:
    rep = org.call("rep_a", "GET", "/permissions")
    assert rep.status_code == 200
    body = rep.json()
    assert body["app"] == "mini_crm" and body["roles"] == ["sales_rep"] and not body["admin"]
    opportunity = body["entities"]["opportunity"]
    assert {k: opportunity[k] for k in ("read", "create", "update", "delete", "owner_field")} == {
        "read": "own",
        "create": True,
        "update": "own",
        "delete": False,
        "owner_field": "created_by",
    }
    assert opportunity["fields"]["discount"] == "read"
    assert opportunity["fields"]["name"] == "write"
    assert opportunity["fields"]["net_amount"] == "read"
    assert body["entities"]["customer"]["owner_field"] == "owner"
    auditor = org.call("auditor", "GET", "/permissions").json()["entities"]
    assert auditor["opportunity"]["fields"]["net_amount"] == "hidden"
    assert auditor["customer"]["create"] is False
    assert set(auditor["customer"]["fields"].values()) <= {"hidden", "read"}
    admin = org.call("admin", "GET", "/permissions").json()
    assert admin["admin"] and admin["entities"]["customer"]["delete"] == "all"
    assert admin["entities"]["customer"]["fields"]["open_amount"] == "read"
    # The definition itself stays complete for everyone with a role.
    definition = org.call("auditor", "GET", "/definition").json()
    assert "amount" in {f["key"] for f in definition["entities"][1]["fields"]}


@pytest.fixture
def demo_tenant(platform: Platform) -> Iterator[str]:
    key = f"demo_{secrets.token_hex(3)}"
    platform.store.create_tenant(key, "Demo")
    create_demo_users(platform, key)
    with platform.store.write(key) as conn:
        install_app(conn, load_definition_file(EXAMPLE_APP))
    yield key
    platform.runtimes.forget_tenant(key)
    platform.store.drop_tenant(key)


def test_the_demo_people_each_have_a_meaningful_access(
    client: TestClient, platform: Platform, demo_tenant: str
) -> None:
    def access_of(username: str) -> dict[str, Any]:
        credentials = {"tenant": demo_tenant, "username": username, "password": DEMO_PASSWORD}
        token = client.post("/api/auth/login", json=credentials).json()["access_token"]
        response = client.get(f"{BASE}/permissions", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return dict(response.json())

    expected = {
        "rep1": (["sales_rep"], "own", "own"),
        "manager1": (["sales_manager"], "department", "department"),
        "director1": (["sales_director"], "all", "department_and_below"),
        "finance1": (["finance"], "all", False),
    }
    for username, (roles, read, update) in expected.items():
        body = access_of(username)
        customer = body["entities"]["customer"]
        assert (body["roles"], customer["read"], customer["update"]) == (roles, read, update)
    assert set(access_of("finance1")["entities"]["opportunity"]["fields"].values()) == {"read"}
    assert access_of("admin")["admin"] is True
    with platform.store.read(demo_tenant) as conn:
        rep1 = conn.scalar(select(users.c.id).where(users.c.username == "rep1"))
        manager1 = conn.scalar(select(users.c.id).where(users.c.username == "manager1"))
        director1 = conn.scalar(select(users.c.id).where(users.c.username == "director1"))
        assert rep1 is not None
        assert manager_chain(conn, rep1) == [manager1, director1]
        assert department_head_for(conn, rep1) == manager1
        assert department_head_for(conn, manager1) == director1
