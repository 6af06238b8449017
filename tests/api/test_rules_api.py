"""The rules API through HTTP, on SQLite and PostgreSQL: the catalogue, an
app's rules with their statistics, the live check of a condition, the dry
run, the run log; a rule that fails a write, a loop, a bad rule at publish;
administrators only, and bad input is a problem+json naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from tests.engine.rules.desk_app import desk_app

BASE = "/api/apps/desk"

TRIAGE: dict[str, Any] = {
    "key": "triage_high",
    "label": {"en": "Triage high"},
    "entity": "ticket",
    "trigger": {"on": "created"},
    "when": "priority == 'high'",
    "effects": [
        {"type": "set_fields", "values": {"status": "triaged"}},
        {
            "type": "create_record",
            "entity": "note",
            "values": {"ticket": "=id", "text": "=CONCAT('auto: ', title)"},
        },
        {"type": "notify", "to": {"users": ["admin"]}, "title": "=CONCAT('High: ', title)"},
    ],
}
BAD_WRITE: dict[str, Any] = {
    "key": "bad_write",
    "entity": "ticket",
    "trigger": {"on": "field_changed", "fields": ["priority"]},
    "effects": [
        {"type": "create_record", "entity": "note", "values": {"text": "=title"}},
        {"type": "set_fields", "values": {"status": "=CONCAT('x-', title)"}},
    ],
}
LOOP: list[dict[str, Any]] = [
    {
        "key": "ticket_touches_notes",
        "entity": "ticket",
        "trigger": {"on": "field_changed", "fields": ["title", "note_count"]},
        "effects": [
            {
                "type": "update_records",
                "entity": "note",
                "filter": {"field": "text", "op": "eq", "value": "loop"},
                "values": {"touched": "=IFNULL(target.touched, 0) + 1"},
            }
        ],
    },
    {
        "key": "note_touches_ticket",
        "entity": "note",
        "trigger": {"on": "updated"},
        "effects": [
            {
                "type": "update_records",
                "entity": "ticket",
                "records": "ticket",
                "values": {"note_count": "=IFNULL(target.note_count, 0) + 1"},
            }
        ],
    },
]


@pytest.fixture
def desk(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/apps", json=desk_app([TRIAGE, BAD_WRITE, *LOOP]), headers=auth)
    assert response.status_code == 201, response.text
    return "desk"


@pytest.fixture
def rep(client: TestClient, tenant: str) -> dict[str, str]:
    return login(client, tenant, "rep")


def create(client: TestClient, auth: dict[str, str], entity: str, **values: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/{entity}", json=values, headers=auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return dict(response.json())


def fields_of(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def test_the_catalogue_lists_triggers_effects_and_recipients(
    client: TestClient, auth: dict[str, str], rep: dict[str, str]
) -> None:
    response = client.get("/api/rules/catalogue", headers=auth)
    assert response.status_code == 200, response.text
    found = response.json()
    triggers = {t["key"]: t for t in found["triggers"]}
    effects = {e["key"]: e for e in found["effects"]}
    assert {"created", "updated", "field_changed", "deleted", "action_ran"} <= set(triggers)
    assert {"set_fields", "create_record", "update_records", "notify", "email", "sms"} <= set(
        effects
    )
    assert {"webhook", "dingtalk", "wecom"} <= set(effects)
    assert triggers["updated"]["sees_old"] is True
    assert triggers["field_changed"]["schema"]["required"] == ["fields"]
    assert effects["email"]["leaves_machine"] is True
    assert effects["set_fields"]["label"]["en"] == "Set fields of this record"
    assert "managers_of" in found["recipients"]["properties"]
    assert problem(client.get("/api/rules/catalogue", headers=rep), 403)
    assert problem(client.get("/api/rules/catalogue"), 401)


def test_the_rules_of_an_app_with_their_statistics(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    def listed() -> dict[str, dict[str, Any]]:
        response = client.get(f"{BASE}/rules", headers=auth)
        assert response.status_code == 200, response.text
        return {item["rule"]["key"]: item for item in response.json()["rules"]}

    rules = listed()
    assert list(rules) == [
        "triage_high",
        "bad_write",
        "ticket_touches_notes",
        "note_touches_ticket",
    ]
    assert rules["triage_high"]["rule"] == {**TRIAGE, "enabled": True}
    assert rules["triage_high"]["stats"] == {
        "runs": 0,
        "failures": 0,
        "last_run_at": None,
        "last_error": None,
    }
    create(client, auth, "ticket", title="Printer", priority="high")
    create(client, auth, "ticket", title="Mouse", priority="low")
    stats = listed()["triage_high"]["stats"]
    assert (stats["runs"], stats["failures"], stats["last_error"]) == (1, 0, None)
    assert stats["last_run_at"] is not None


def test_a_rule_that_fails_a_write_answers_naming_rule_and_effect(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    ticket = create(client, auth, "ticket", title="Printer", priority="low")
    response = client.patch(
        f"{BASE}/ticket/{ticket['id']}", json={"priority": "high", "version": 1}, headers=auth
    )
    body = problem(response, 422)
    assert body["detail"].startswith("rule 'bad_write', effect 1 (set_fields) failed")
    assert (body["rule"], body["effect"], body["effect_type"]) == ("bad_write", 1, "set_fields")
    assert fields_of(body) == ["status"]
    # Nothing written: the ticket is as it was, the first effect's note is gone.
    fetched = client.get(f"{BASE}/ticket/{ticket['id']}", headers=auth).json()
    assert (fetched["priority"], fetched["version"]) == ("low", 1)
    assert client.get(f"{BASE}/note", headers=auth).json()["total"] == 0
    # The failed run is logged and counted.
    runs = client.get(f"{BASE}/rules/bad_write/runs", headers=auth).json()
    (run,) = runs["items"]
    assert (run["record_id"], run["outcome"], run["trigger"]) == (
        ticket["id"],
        "failed",
        "field_changed",
    )
    assert "effect 1 (set_fields)" in run["error"]
    rules = client.get(f"{BASE}/rules", headers=auth).json()["rules"]
    stats = next(item["stats"] for item in rules if item["rule"]["key"] == "bad_write")
    assert (stats["runs"], stats["failures"]) == (1, 1)
    assert stats["last_error"] == run["error"]


def test_a_loop_of_rules_answers_409_naming_the_chain(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    ticket = create(client, auth, "ticket", title="Printer")
    create(client, auth, "note", text="loop", ticket=ticket["id"])
    response = client.patch(
        f"{BASE}/ticket/{ticket['id']}", json={"title": "Again", "version": 1}, headers=auth
    )
    body = problem(response, 409)
    assert "deeper than" in body["detail"]
    assert body["chain"][0] == f"update desk.ticket #{ticket['id']}"
    fetched = client.get(f"{BASE}/ticket/{ticket['id']}", headers=auth).json()
    assert (fetched["title"], fetched["version"]) == ("Printer", 1)
    runs = client.get(f"{BASE}/rules/ticket_touches_notes/runs", headers=auth).json()["items"]
    assert runs and {run["outcome"] for run in runs} == {"failed"}


def test_the_live_check_of_a_condition(client: TestClient, auth: dict[str, str], desk: str) -> None:
    url = f"{BASE}/rules/check"
    ok = client.post(
        url,
        json={"entity": "ticket", "trigger": "updated", "expression": "old.status != status"},
        headers=auth,
    )
    assert ok.status_code == 200, ok.text
    found = ok.json()
    assert (found["ok"], found["message"], found["position"]) == (True, None, None)
    assert {"title", "status", "id", "created_at", "old.status", "old.title"} <= set(found["names"])

    created = client.post(
        url,
        json={"entity": "ticket", "trigger": "created", "expression": "old.status == 'new'"},
        headers=auth,
    ).json()
    assert created["ok"] is False
    assert "old.status" in created["message"]
    assert not any(name.startswith("old.") for name in created["names"])

    broken = client.post(
        url, json={"entity": "ticket", "expression": "title == (1"}, headers=auth
    ).json()
    assert broken["ok"] is False
    assert isinstance(broken["position"], int)

    unknown = client.post(
        url, json={"entity": "nope", "trigger": "sometimes", "expression": "1"}, headers=auth
    )
    assert fields_of(problem(unknown, 422)) == ["entity", "trigger"]
    missing = client.post(url, json={"entity": "ticket"}, headers=auth)
    assert "expression" in fields_of(problem(missing, 422))
    huge = client.post(url, json={"entity": "ticket", "expression": "1" * 5_000}, headers=auth)
    assert "expression" in fields_of(problem(huge, 422))
    assert problem(
        client.post(
            "/api/apps/nope/rules/check", json={"entity": "t", "expression": "1"}, headers=auth
        ),
        404,
    )


def test_the_dry_run_shows_what_would_happen_and_writes_nothing(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    ticket = create(client, auth, "ticket", title="Printer", priority="low")
    rule = {**copy.deepcopy(TRIAGE), "key": "try_me", "when": "priority == 'low'"}
    response = client.post(
        f"{BASE}/rules/dry-run", json={"rule": rule, "record_id": ticket["id"]}, headers=auth
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["matched"], answer["when"], answer["error"]) == (True, True, None)
    assert [e["type"] for e in answer["effects"]] == ["set_fields", "create_record", "notify"]
    assert answer["effects"][2]["summary"] == "notify Admin: 'High: Printer'"
    fetched = client.get(f"{BASE}/ticket/{ticket['id']}", headers=auth).json()
    assert (fetched["status"], fetched["version"]) == ("new", 1)
    assert client.get(f"{BASE}/note", headers=auth).json()["total"] == 0
    assert client.get("/api/notifications", headers=auth).json()["items"] == []
    assert client.get(f"{BASE}/rules/try_me/runs", headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {
                "rule": {**TRIAGE, "effects": [{"type": "set_fields", "values": {"status": "x"}}]},
                "record_id": 1,
            },
            ["$.rule.effects[0].values.status"],
        ),
        ({"rule": {**TRIAGE, "entity": "nope"}, "record_id": 1}, ["$.rule.entity"]),
        (
            {"rule": {"key": "x"}, "record_id": 1},
            ["$.rule.entity", "$.rule.trigger", "$.rule.effects"],
        ),
        ({"rule": "not a rule", "record_id": 1}, ["rule"]),
        ({"rule": TRIAGE, "record_id": 0}, ["record_id"]),
        ({"rule": TRIAGE, "record_id": 2**40}, ["record_id"]),
        ({"rule": TRIAGE}, ["record_id"]),
    ],
)
def test_a_bad_dry_run_names_the_field(
    client: TestClient,
    auth: dict[str, str],
    desk: str,
    body: dict[str, Any],
    fields: list[str],
) -> None:
    create(client, auth, "ticket", title="Printer")
    response = client.post(f"{BASE}/rules/dry-run", json=body, headers=auth)
    assert sorted(fields_of(problem(response, 422))) == sorted(fields)


def test_a_dry_run_on_a_missing_record_or_app_is_404(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    body = {"rule": TRIAGE, "record_id": 42}
    assert problem(client.post(f"{BASE}/rules/dry-run", json=body, headers=auth), 404)
    assert problem(client.post("/api/apps/nope/rules/dry-run", json=body, headers=auth), 404)


def test_the_run_log_pages_newest_first(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    ids = [create(client, auth, "ticket", title=f"T{i}", priority="high")["id"] for i in range(3)]
    url = f"{BASE}/rules/triage_high/runs"
    first = client.get(url, params={"page_size": 2}, headers=auth).json()
    assert (first["page"], first["page_size"]) == (1, 2)
    assert [run["record_id"] for run in first["items"]] == [ids[2], ids[1]]
    second = client.get(url, params={"page": 2, "page_size": 2}, headers=auth).json()
    (run,) = second["items"]
    assert (run["record_id"], run["outcome"], run["trigger"], run["error"]) == (
        ids[0],
        "ok",
        "created",
        None,
    )
    assert [e["type"] for e in run["effects"]] == ["set_fields", "create_record", "notify"]
    assert run["at"]
    assert problem(client.get(f"{BASE}/rules/nope/runs", headers=auth), 404)
    assert problem(client.get("/api/apps/nope/rules/triage_high/runs", headers=auth), 404)
    assert "page_size" in fields_of(
        problem(client.get(url, params={"page_size": 0}, headers=auth), 422)
    )
    assert "page" in fields_of(problem(client.get(url, params={"page": "x"}, headers=auth), 422))


def test_only_administrators_use_the_rules_api(
    client: TestClient, rep: dict[str, str], desk: str
) -> None:
    calls = [
        ("get", f"{BASE}/rules", None),
        ("post", f"{BASE}/rules/check", {"entity": "ticket", "expression": "1"}),
        ("post", f"{BASE}/rules/dry-run", {"rule": TRIAGE, "record_id": 1}),
        ("get", f"{BASE}/rules/triage_high/runs", None),
    ]
    for method, url, body in calls:
        response = client.request(method, url, json=body, headers=rep)
        assert problem(response, 403)
        assert problem(client.request(method, url, json=body), 401)


def test_a_draft_with_a_bad_rule_is_refused_and_the_rules_stay(
    client: TestClient, auth: dict[str, str], desk: str
) -> None:
    draft = desk_app(
        [TRIAGE, {**BAD_WRITE, "effects": [{"type": "webhook", "url": "http://10.0.0.1/x"}]}]
    )
    body = problem(client.put(f"{BASE}/definition/draft", json=draft, headers=auth), 422)
    assert fields_of(body) == ["$.rules[1].effects[0].url"]
    rules = client.get(f"{BASE}/rules", headers=auth).json()["rules"]
    assert len(rules) == 4
