"""The pool keeps its secrets: a pool's ``hidden_fields`` are blank for reps on every
read path until a lead is claimed (values, filters, sorts, search, export,
aggregates, history, previews, lookups), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from builder.validate import DefinitionError, load_definition
from tests.conftest import login
from tests.engine.actions.sales_app import Sales, install_sales, sales_app

BASE = "/api/apps/sales"
PHONE = "13800000001"
EMAIL = "li@acme.cn"


def masking_app() -> dict[str, Any]:
    """The sales app whose pool hides phone and email, with fields derived from the phone."""
    definition = sales_app()
    definition["pools"][0]["hidden_fields"] = ["phone", "email"]
    lead = next(e for e in definition["entities"] if e["key"] == "lead")
    lead["fields"].append(
        {"key": "dial", "type": "formula", "expr": "CONCAT('tel:', phone)", "result_type": "text"}
    )
    deal = next(e for e in definition["entities"] if e["key"] == "opportunity")
    deal["fields"].append({"key": "lead_phone", "type": "lookup", "link": "lead", "field": "phone"})
    return definition


@dataclass
class Api:
    client: TestClient
    sales: Sales
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.headers:
            self.headers[username] = login(self.client, self.sales.tenant, username)
        return self.headers[username]

    def get(self, username: str, path: str, **params: Any) -> httpx.Response:
        url = f"{BASE}/{path}"
        response: httpx.Response = self.client.get(url, params=params, headers=self.auth(username))
        return response

    def ok(self, username: str, path: str, **params: Any) -> Any:
        response = self.get(username, path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def leads(self, username: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.ok(username, "lead", page_size=100, **params)["items"]
        return items

    def claim(self, username: str, lead: int) -> None:
        response = self.client.post(
            f"{BASE}/lead/{lead}/actions/claim", headers=self.auth(username)
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def api(client: TestClient, platform: Platform, tenant: str) -> Api:
    return Api(client, install_sales(platform, tenant, masking_app()))


def by_id(items: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {item["id"]: item for item in items}


def test_a_rep_reads_a_pool_lead_without_its_contact_details(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    mine = api.sales.lead("Mine", phone="13900000002", owner=api.sales.ids["rep_a"])
    listed = by_id(api.leads("rep_a"))
    assert (listed[pooled]["phone"], listed[pooled]["email"], listed[pooled]["dial"]) == (
        None,
        None,
        None,
    )
    assert listed[pooled]["company"] == "ACME"  # the rest of the lead shows
    assert listed[mine]["phone"] == "13900000002" and listed[mine]["dial"] == "tel:13900000002"
    one = api.ok("rep_a", f"lead/{pooled}")
    assert (one["phone"], one["email"], one["dial"]) == (None, None, None)


def test_filters_and_search_cannot_find_a_pool_lead_by_a_hidden_value(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    for params in (
        {"phone": PHONE},
        {"email": EMAIL},
        {"filter": json.dumps({"field": "phone", "op": "eq", "value": PHONE})},
        {"filter": json.dumps({"field": "phone", "op": "is_empty"})},
        {"q": "13800000"},
        {"q": "acme.cn"},
        {"dial": f"tel:{PHONE}"},
    ):
        found = [item["id"] for item in api.leads("rep_a", **params)]
        expected = [pooled] if params.get("filter", "").find("is_empty") >= 0 else []
        assert found == expected, params
    # The manager, who assigns the pool's leads, finds it by its phone.
    assert [item["id"] for item in api.leads("manager", phone=PHONE)] == [pooled]
    assert [item["id"] for item in api.leads("manager", q="13800000")] == [pooled]


def test_the_recycle_bin_filters_cannot_find_a_pool_lead_by_a_hidden_value(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    deleted = api.client.delete(f"{BASE}/lead/{pooled}", headers=api.auth("admin"))
    assert deleted.status_code == 204, deleted.text
    binned = api.ok("rep_a", "lead/deleted")["items"]
    assert [(item["id"], item["phone"]) for item in binned] == [(pooled, None)]
    for params in (
        {"phone": PHONE},
        {"filter": json.dumps({"field": "phone", "op": "eq", "value": PHONE})},
        {"q": "13800000"},
        {"dial": f"tel:{PHONE}"},
    ):
        assert api.ok("rep_a", "lead/deleted", **params)["items"] == [], params
    assert [i["id"] for i in api.ok("admin", "lead/deleted", phone=PHONE)["items"]] == [pooled]


def test_an_import_cannot_test_a_guess_of_a_hidden_value(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    answers = []
    for guess in (PHONE, "13900000000"):
        for mode in ("update", "upsert"):
            sheet = f"ID,phone\n{pooled},{guess}\n".encode()
            answer = api.client.post(
                f"{BASE}/lead/import",
                params={"dry_run": "true", "mode": mode},
                files={"file": ("guess.csv", sheet)},
                headers=api.auth("rep_a"),
            )
            answers.append((answer.status_code, answer.json().get("errors")))
    # The right guess and a wrong one get the same refusal: the rep may not change it.
    assert answers[0] == answers[1] == answers[2] == answers[3]
    status, errors = answers[0]
    assert status == 422 and errors and errors[0]["field"] == "rows[2].id", answers[0]


def test_an_importable_export_of_pool_leads_imports_back_unchanged(api: Api) -> None:
    # The rep may read the pool lead but not change it, and its phone is masked
    # (a blank cell); their own lead's date-time has microseconds (as NOW() sets),
    # which no cell holds. Neither is a change: every row is unchanged.
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    followed = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
    own = api.sales.lead("Mine", owner=api.sales.ids["rep_a"], last_followed_up_at=followed)
    for fmt in ("csv", "xlsx"):
        exported = api.get("rep_a", "lead/export", format=fmt, columns="importable")
        assert exported.status_code == 200, exported.text
        answer = api.client.post(
            f"{BASE}/lead/import",
            params={"dry_run": "true", "mode": "upsert"},
            files={"file": (f"leads.{fmt}", exported.content)},
            headers=api.auth("rep_a"),
        )
        assert answer.status_code == 200, answer.text
        rows = {row["id"]: row["status"] for row in answer.json()["rows"]}
        assert rows == {pooled: "unchanged", own: "unchanged"}, (fmt, answer.json())


def test_sorting_by_a_hidden_field_says_nothing(api: Api) -> None:
    # Created in the opposite order of their phones: a sort on the real phone
    # would list them in reverse of the id order.
    first = api.sales.lead("B", phone="13900000009")
    second = api.sales.lead("A", phone="13100000001")
    ascending = [item["id"] for item in api.leads("rep_a", sort="phone,id")]
    descending = [item["id"] for item in api.leads("rep_a", sort="-phone,id")]
    assert ascending == descending == [first, second]
    assert [item["id"] for item in api.leads("manager", sort="phone")] == [second, first]


def test_export_aggregate_history_and_preview_keep_the_secret(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    exported = api.get("rep_a", "lead/export", format="csv", columns="importable")
    assert exported.status_code == 200, exported.text
    text = exported.content.decode("utf-8-sig")
    assert PHONE not in text and EMAIL not in text
    assert "ACME" in text and len(list(csv.reader(io.StringIO(text)))) == 2
    # Counting by a hidden value finds nothing of the pool (a count per phone, in effect).
    for params in ({"phone": PHONE}, {"email": EMAIL}, {"q": "13800000"}):
        counted = api.ok("rep_a", "lead/aggregate", **params)["groups"]
        assert counted == [{"count": 0, "_display": {}}], params
    assert api.ok("manager", "lead/aggregate", phone=PHONE)["groups"][0]["count"] == 1
    history = api.ok("rep_a", f"lead/{pooled}/history")
    changed = {change["field"] for entry in history for change in entry["changes"]}
    assert "company" in changed and not changed & {"phone", "email", "dial"}
    preview = api.client.post(
        f"{BASE}/lead/preview",
        params={"record": pooled},
        json={},
        headers=api.auth("rep_a"),
    )
    assert preview.status_code == 200, preview.text
    assert PHONE not in preview.text


def test_a_lookup_of_a_hidden_field_is_masked_while_the_lead_is_in_the_pool(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE)
    rep = api.sales.ids["rep_a"]
    customer = api.sales.create("customer", name="ACME", owner=rep)
    deal = api.sales.create(
        "opportunity", name="Deal", customer=customer, lead=pooled, stage="initial", owner=rep
    )
    assert api.ok("rep_a", f"opportunity/{deal}")["lead_phone"] is None
    assert api.ok("rep_a", "opportunity", lead_phone=PHONE)["items"] == []
    assert api.ok("manager", f"opportunity/{deal}")["lead_phone"] == PHONE
    api.claim("rep_a", pooled)
    assert api.ok("rep_a", f"opportunity/{deal}")["lead_phone"] == PHONE


def test_the_owner_sees_everything_once_claimed(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    api.claim("rep_a", pooled)
    one = api.ok("rep_a", f"lead/{pooled}")
    assert (one["phone"], one["email"], one["dial"]) == (PHONE, EMAIL, f"tel:{PHONE}")
    assert [item["id"] for item in api.leads("rep_a", phone=PHONE)] == [pooled]
    history = api.ok("rep_a", f"lead/{pooled}/history")
    assert [(c["from"], c["to"]) for c in history[0]["changes"] if c["field"] == "phone"] == [
        (None, PHONE)
    ]
    # Another rep no longer sees the lead at all: it is rep_a's now.
    assert api.get("rep_b", f"lead/{pooled}").status_code == 404


def test_admins_and_the_pools_managers_see_pool_leads_whole(api: Api) -> None:
    pooled = api.sales.lead("ACME", phone=PHONE, email=EMAIL)
    for username in ("admin", "manager"):
        one = api.ok(username, f"lead/{pooled}")
        assert (one["phone"], one["email"]) == (PHONE, EMAIL), username
    # The auditor reads every lead but manages no pool: masked while in the pool only.
    closed = api.sales.lead("Closed", phone=PHONE, status="invalid")
    assert api.ok("auditor", f"lead/{pooled}")["phone"] is None
    assert api.ok("auditor", f"lead/{closed}")["phone"] == PHONE


def test_hidden_fields_are_checked_at_publish() -> None:
    definition = masking_app()
    definition["pools"][0]["hidden_fields"] = ["phone", "ghost", "owner", "status", "phone"]
    with pytest.raises(DefinitionError) as raised:
        load_definition(definition)
    assert [(issue.path, issue.message) for issue in raised.value.issues] == [
        ("$.pools[0].hidden_fields[1]", "lead has no field 'ghost'"),
        (
            "$.pools[0].hidden_fields[2]",
            "lead.owner says whether a record is in the pool: keep it shown",
        ),
        (
            "$.pools[0].hidden_fields[3]",
            "lead.status says whether a record is in the pool: keep it shown",
        ),
        ("$.pools[0].hidden_fields[4]", "'phone' is listed twice"),
    ]
