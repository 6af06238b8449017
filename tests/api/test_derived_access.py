"""Hidden fields never leak through derived ones, on every read path; SQLite and PostgreSQL.

The app (``tests/engine/forms/derived_app.py``) hides ``account.secret`` and friends
from the role ``rep``; lookups, roll-ups, formulas, sub-table formulas and
link titles derived from them must stay hidden from ``rep`` in values,
filters, sorts, search, aggregates, history, exports and previews.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.platform import Platform
from engine.accounts.users import grant_role
from engine.store.tables import users
from tests.conftest import login
from tests.engine.forms.derived_app import APP, DEFINITION, HIDDEN, VISIBLE

BASE = f"/api/apps/{APP}"


@dataclass
class World:
    client: TestClient
    admin: dict[str, str]
    rep: dict[str, str]
    ids: dict[str, int]

    def get(self, who: dict[str, str], path: str, **params: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(BASE + path, params=params, headers=who)
        return response

    def ok(self, who: dict[str, str], path: str, **params: Any) -> Any:
        response = self.get(who, path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def create(self, entity: str, **values: Any) -> int:
        response = self.client.post(f"{BASE}/{entity}", json=values, headers=self.admin)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])


@pytest.fixture
def world(client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]) -> World:
    response = client.post("/api/apps", json=DEFINITION, headers=auth)
    assert response.status_code == 201, response.text
    with platform.store.write(tenant) as conn:
        rep_id = conn.scalar(select(users.c.id).where(users.c.username == "rep"))
        assert rep_id is not None
        grant_role(conn, rep_id, APP, "rep")
    w = World(client, auth, login(client, tenant, "rep"), {})
    w.ids["rich"] = w.create(
        "account",
        name="Rich",
        code="R1",
        secret=500,
        reason="big",
        ledger=[{"what": "a", "sum": 7}],
    )
    w.ids["poor"] = w.create("account", name="Poor", code="P1", secret=5)
    w.ids["contact"] = w.create("contact", name="Carol Secret", phone="123")
    w.ids["vault"] = w.create("vault", code="V-TOP", account=w.ids["rich"])
    w.ids["deal"] = w.create(
        "deal",
        name="Big deal",
        account=w.ids["rich"],
        contact=w.ids["contact"],
        vault=w.ids["vault"],
        amount=1000,
        hush=40,
    )
    w.ids["small"] = w.create("deal", name="Small deal", account=w.ids["poor"], amount=10, hush=1)
    return w


def problems(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def cond(field: str, op: str = "gt", value: Any = 100) -> str:
    return json.dumps({"field": field, "op": op, "value": value})


#: Keys of moments: their digits ("…:45:34.575960") are no values of the app's.
MOMENTS = {"at", "created_at", "updated_at", "deleted_at"}


def _leaves(value: object) -> Iterator[object]:
    """Every scalar in a JSON value, however deep, but the moments."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in MOMENTS:
                yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _shows(value: object, number: int) -> bool:
    """Whether ``number`` appears in ``value`` as a value or in a text ("1,200")."""
    texts = (str(number), f"{number:,}")
    return any(
        leaf == number
        if isinstance(leaf, int | float) and not isinstance(leaf, bool)
        else isinstance(leaf, str) and any(text in leaf for text in texts)
        for leaf in _leaves(value)
    )


def test_values_of_one_record_and_of_lists_leave_derived_fields_out(world: World) -> None:
    w = world
    for entity, record_id in (("account", w.ids["rich"]), ("deal", w.ids["deal"])):
        admin = w.ok(w.admin, f"/{entity}/{record_id}")
        assert HIDDEN[entity] | VISIBLE[entity] <= set(admin)
        one = w.ok(w.rep, f"/{entity}/{record_id}")
        listed = next(i for i in w.ok(w.rep, f"/{entity}")["items"] if i["id"] == record_id)
        for record in (one, listed):
            assert not HIDDEN[entity] & set(record), entity
            assert VISIBLE[entity] <= set(record), entity
    # The admin reads what rep may not, so the test would see a leak.
    deal = w.ok(w.admin, f"/deal/{w.ids['deal']}")
    assert deal["account_secret"] == 500 and deal["account_tier"] == 1000
    assert deal["vault_code"] == "V-TOP" and deal["net"] == 960
    assert deal["_display"]["contact"] == "Carol Secret"
    account = w.ok(w.admin, f"/account/{w.ids['rich']}")
    assert account["hush_total"] == 40 and account["hushed_deals"] == 1
    assert account["vault_count"] == 1 and account["ledger_total"] == 7
    # rep: visible derived fields keep their values; hidden titles leave only the id.
    seen = w.ok(w.rep, f"/deal/{w.ids['deal']}")
    assert seen["account_code"] == "R1" and seen["double"] == 2000
    assert seen["contact"] == w.ids["contact"] and seen["vault"] == w.ids["vault"]
    assert seen["_display"] == {"account": "Rich"}
    assert w.ok(w.rep, f"/account/{w.ids['rich']}")["deal_total"] == 1000
    lists = [w.ok(w.rep, "/deal"), w.ok(w.rep, "/account")]
    body = json.dumps(lists)
    for leaked in ("Carol Secret", "V-TOP"):
        assert leaked not in body
    # The net amount as a value, not as digits: a timestamp's microseconds may read "960".
    assert not _shows(lists, 960)
    assert _shows(w.ok(w.admin, "/deal"), 960)  # the check sees it where it is


def test_permissions_endpoint_calls_derived_fields_hidden(world: World) -> None:
    entities = world.ok(world.rep, "/permissions")["entities"]
    for entity, keys in HIDDEN.items():
        levels = entities[entity]["fields"]
        assert {k for k, level in levels.items() if level == "hidden"} == keys, entity


@pytest.mark.parametrize(
    ("entity", "path"),
    [
        ("deal", "account_secret"),
        ("deal", "account_tier"),
        ("deal", "vault_code"),
        ("deal", "net"),
        ("deal", "account.secret"),
        ("deal", "account.tier"),
        ("deal", "account.tier_plus"),
        ("deal", "account.hush_total"),
        ("deal", "vault.code"),
        ("deal", "contact.name"),
        ("account", "tier"),
        ("account", "tier_plus"),
        ("account", "ledger_total"),
        ("account", "hush_total"),
        ("account", "hushed_deals"),
        ("account", "vault_count"),
    ],
)
def test_filters_and_sorts_on_derived_fields_are_refused_like_unknown_fields(
    world: World, entity: str, path: str
) -> None:
    w = world
    # The admin may: the path itself is fine.
    w.ok(w.admin, f"/{entity}", filter=cond(path, "is_empty", False))
    refused = problems(w.get(w.rep, f"/{entity}", filter=cond(path, "is_empty", False)))
    assert list(refused) == ["filter.field"]
    assert "has no field" in refused["filter.field"]
    assert "has no field" in problems(w.get(w.rep, f"/{entity}", sort=path))["sort"]
    if "." not in path:
        assert list(problems(w.get(w.rep, f"/{entity}", **{path: "1"})))


def test_visible_derived_fields_filter_and_sort(world: World) -> None:
    w = world
    found = w.ok(w.rep, "/deal", filter=cond("account_code", "eq", "R1"), sort="-double")
    assert [i["id"] for i in found["items"]] == [w.ids["deal"]]
    found = w.ok(w.rep, "/deal", filter=cond("account.code", "eq", "P1"))
    assert [i["id"] for i in found["items"]] == [w.ids["small"]]
    found = w.ok(w.rep, "/account", filter=cond("deal_total", "gt", 100))
    assert [i["id"] for i in found["items"]] == [w.ids["rich"]]


def test_search_does_not_match_hidden_values(world: World) -> None:
    w = world
    assert w.ok(w.admin, "/contact", q="Carol")["total"] == 1
    assert w.ok(w.rep, "/contact", q="Carol")["total"] == 0
    assert w.ok(w.rep, "/contact", q="123")["total"] == 1


def test_aggregates_refuse_derived_fields(world: World) -> None:
    w = world
    assert w.ok(w.admin, "/deal/aggregate", measures="sum:net")["groups"] == [
        {"sum_net": 969, "_display": {}}
    ]
    assert w.ok(w.admin, "/account/aggregate", measures="sum:tier")["groups"]
    measured = {"deal": ("sum:net", "sum:account_secret"), "account": ("sum:tier", "max:tier_plus")}
    for entity, names in measured.items():
        for measure in names:
            refused = problems(w.get(w.rep, f"/{entity}/aggregate", measures=measure))
            assert "has no field" in refused["measures"], refused
    for group in ("account_secret", "tier", "hush_total"):
        entity = "deal" if group.startswith("account") else "account"
        refused = problems(w.get(w.rep, f"/{entity}/aggregate", group_by=group))
        assert "has no field" in refused["group_by"], refused
    # Grouping by a link whose title is hidden keeps the ids, not the titles.
    groups = w.ok(w.rep, "/deal/aggregate", group_by="contact")["groups"]
    assert "Carol Secret" not in json.dumps(groups)
    assert w.ok(w.rep, "/deal/aggregate", measures="sum:double")["groups"] == [
        {"sum_double": 2020, "_display": {}}
    ]


def test_history_masks_derived_values(world: World) -> None:
    w = world
    record = w.ok(w.admin, f"/account/{w.ids['rich']}")
    changed = w.client.patch(
        f"{BASE}/account/{w.ids['rich']}",
        json={"secret": 600, "code": "R2", "version": record["version"]},
        headers=w.admin,
    )
    assert changed.status_code == 200, changed.text
    admin_fields = {
        c["field"] for e in w.ok(w.admin, f"/account/{w.ids['rich']}/history") for c in e["changes"]
    }
    assert {"secret", "tier", "tier_plus", "ledger", "ledger_total"} <= admin_fields
    history = w.ok(w.rep, f"/account/{w.ids['rich']}/history")
    fields = {c["field"] for e in history for c in e["changes"]}
    assert not fields & HIDDEN["account"]
    assert {"code", "label"} <= fields
    # As values, not digits: an entry's timestamp may read "…1200…".
    assert not _shows(history, 1200) and not _shows(history, 1201)


def test_export_leaves_derived_fields_out(world: World) -> None:
    w = world
    response = w.get(w.rep, "/deal/export", format="csv", lang="en")
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    for key in HIDDEN["deal"]:
        assert key not in header
    for leaked in ("Carol Secret", "V-TOP", "960", "500"):
        assert leaked not in text
    admin = w.get(w.admin, "/deal/export", format="csv", lang="en").content.decode("utf-8-sig")
    assert "Carol Secret" in admin and "V-TOP" in admin


def preview(w: World, who: dict[str, str], body: Any, **params: Any) -> dict[str, Any]:
    response = w.client.post(f"{BASE}/account/preview", json=body, params=params, headers=who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_preview_conditions_do_not_depend_on_hidden_values(world: World) -> None:
    w = world
    rich, poor = w.ids["rich"], w.ids["poor"]
    # The admin's preview follows the secret: the conditions really read it.
    admin_rich = preview(w, w.admin, {}, record=rich)
    admin_poor = preview(w, w.admin, {}, record=poor)
    assert admin_rich["visible"]["bonus"] and not admin_poor["visible"]["bonus"]
    assert admin_rich["readonly"]["memo"] and not admin_poor["readonly"]["memo"]
    assert admin_rich["required"]["reason"] and not admin_poor["required"]["reason"]
    # rep gets one answer for both, as if the secret were blank, whatever is sent.
    answers = [
        preview(w, w.rep, body, **params)
        for body in ({}, {"secret": 1000}, {"tier": 1000, "ledger": [{"sum": 5}]})
        for params in ({"record": rich}, {"record": poor}, {})
    ]
    for answer in answers:
        states = ("visible", "required", "readonly")
        assert {k: answer[k] for k in states} == {k: answers[0][k] for k in states}
        shown = {p.split("[")[0] for part in answer.values() for p in part}
        assert not shown & HIDDEN["account"]
        assert answer["visible"]["bonus"] is False
        assert answer["readonly"]["memo"] is False
        assert answer["required"]["reason"] is False


def test_offered_actions_do_not_depend_on_hidden_values(world: World) -> None:
    w = world

    def offered(who: dict[str, str], record: int) -> list[str]:
        items = w.ok(who, f"/account/{record}/actions")["items"]
        return sorted(item["key"] for item in items)

    assert offered(w.admin, w.ids["rich"]) == ["celebrate", "note"]
    assert offered(w.admin, w.ids["poor"]) == ["note"]
    assert offered(w.rep, w.ids["rich"]) == offered(w.rep, w.ids["poor"]) == ["note"]


def test_a_views_designed_filter_selects_by_a_hidden_field_without_showing_it(
    world: World,
) -> None:
    w = world
    w.create("account", name="Richer", code="R9", secret=900, reason="x")
    admin = w.ok(w.admin, "/account", view="big")
    assert [i["name"] for i in admin["items"]] == ["Richer", "Rich"]  # by -secret
    rep = w.ok(w.rep, "/account", view="big")
    # The designer's condition applies; its sort by the secret does not (it would rank by it).
    assert sorted(i["name"] for i in rep["items"]) == ["Rich", "Richer"]
    assert [i["name"] for i in rep["items"]] == ["Rich", "Richer"]  # by name, then id
    assert rep["total"] == 2
    assert not any(HIDDEN["account"] & set(item) for item in rep["items"])
    # The reader's own filter and sort on top are still checked against their access.
    assert "filter.field" in problems(
        w.get(w.rep, "/account", view="big", filter=cond("secret", "lt", 600))
    )
    assert "sort" in problems(w.get(w.rep, "/account", view="big", sort="secret"))
    narrowed = w.ok(w.rep, "/account", view="big", filter=cond("code", "eq", "R9"))
    assert [i["name"] for i in narrowed["items"]] == ["Richer"]
    # The same for the view's sums and its export.
    counted = w.ok(w.rep, "/account/aggregate", view="big")["groups"]
    assert counted == [{"count": 2, "_display": {}}]
    exported = w.get(w.rep, "/account/export", view="big", format="csv", lang="en")
    assert exported.status_code == 200, exported.text
    text = exported.content.decode("utf-8-sig")
    assert "Richer" in text and "Poor" not in text and "900" not in text
