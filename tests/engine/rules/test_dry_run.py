"""Trying a rule on a record, on SQLite and PostgreSQL: the effects run for
real and answer what they did, and nothing of it stays, not even in the run log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.forms import RecordNotFound
from engine.platform import Platform
from engine.rules.dry_run import dry_run
from engine.rules.errors import RuleInvalid
from engine.store.tables import audit_log, deliveries, jobs, notifications, rule_runs
from tests.engine.rules.conftest import Install
from tests.engine.rules.desk_app import NOW, Desk

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
        {
            "type": "notify",
            "to": {"users": ["admin"], "managers_of": ["owner"]},
            "title": "=CONCAT('High: ', title)",
        },
        {
            "type": "email",
            "to": {"fields": ["contact_email"]},
            "subject": "About {{ record.title }}",
            "body": "Owner: {{ record.owner }}",
        },
    ],
}

TABLES = (audit_log, deliveries, jobs, notifications, rule_runs)


def counts(app: Desk) -> dict[str, int]:
    with app.platform.store.read(app.tenant) as conn:
        found = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}
        for entity in ("ticket", "note"):
            table = app.runtime(conn).entities[entity].table
            found[entity] = int(conn.scalar(select(func.count()).select_from(table)) or 0)
    return found


def tried(app: Desk, rule: Mapping[str, Any], record_id: int) -> dict[str, Any]:
    with app.platform.store.write(app.tenant) as conn:
        return dry_run(
            conn,
            app.runtime(conn),
            rule,
            record_id,
            user_id=app.ids["admin"],
            now=NOW,
            hooks=app.platform.hooks,
        )


def test_shows_each_effect_with_its_values_and_writes_nothing(desk: Install) -> None:
    # Installed without the rule: a designer tries it before publishing it.
    app = desk()
    ticket = app.ticket(
        "Printer", priority="high", owner=app.ids["agent"], contact_email="li@client.cn"
    )
    before = counts(app)
    answer = tried(app, TRIAGE, ticket)
    assert (answer["matched"], answer["when"], answer["error"]) == (True, True, None)
    set_status, note, notify, email = answer["effects"]
    assert [e["index"] for e in answer["effects"]] == [0, 1, 2, 3]
    assert set_status["type"] == "set_fields"
    assert set_status["details"]["values"] == {"status": "triaged"}
    assert set_status["summary"] == "set status = 'triaged'"
    assert note["details"]["values"] == {"id": 1, "text": "auto: Printer", "ticket": ticket}
    assert note["summary"] == f"create note (text = 'auto: Printer', ticket = {ticket})"
    assert notify["details"]["notifications"] == [
        {"user_id": app.ids["admin"], "user": "Admin", "title": "High: Printer", "body": None},
        {"user_id": app.ids["lead"], "user": "Lead", "title": "High: Printer", "body": None},
    ]
    assert notify["summary"] == "notify Admin, Lead: 'High: Printer'"
    (mail,) = email["details"]["deliveries"]
    assert (mail["channel"], mail["recipient"]) == ("email", "li@client.cn")
    assert mail["content"]["rendered"] == {"subject": "About Printer", "body": "Owner: Agent"}
    assert email["summary"] == "queue 1 email to li@client.cn"
    # Nothing stayed: records, audit rows, notifications, deliveries, jobs, runs.
    assert counts(app) == before
    assert app.read("ticket", ticket)["status"] == "new"


def test_a_condition_that_does_not_hold_runs_nothing(desk: Install) -> None:
    app = desk()
    ticket = app.ticket(priority="low")
    answer = tried(app, TRIAGE, ticket)
    assert answer == {"matched": False, "when": False, "effects": [], "error": None}
    no_condition = {**TRIAGE, "when": None, "effects": TRIAGE["effects"][:1]}
    answer = tried(app, no_condition, ticket)
    assert (answer["matched"], answer["when"]) == (True, None)


def test_old_values_are_the_current_ones(desk: Install) -> None:
    app = desk()
    ticket = app.ticket(status="closed")
    rule = {
        **TRIAGE,
        "trigger": {"on": "field_changed", "fields": ["status"]},
        "when": "old.status == status and old.status == 'closed'",
        "effects": [{"type": "set_fields", "values": {"log": "=CONCAT('was ', old.status)"}}],
    }
    answer = tried(app, rule, ticket)
    assert answer["when"] is True
    assert answer["effects"][0]["details"]["values"] == {"log": "was closed"}


def test_rules_it_sets_off_run_too_and_are_undone(desk: Install) -> None:
    count_notes = {
        "key": "count_notes",
        "entity": "note",
        "trigger": {"on": "created"},
        "effects": [
            {
                "type": "update_records",
                "entity": "ticket",
                "records": "ticket",
                "values": {"note_count": "=IFNULL(target.note_count, 0) + 1"},
            }
        ],
    }
    app = desk(count_notes)
    ticket = app.ticket(priority="high")
    before = counts(app)
    answer = tried(app, {**TRIAGE, "effects": TRIAGE["effects"][1:2]}, ticket)
    assert answer["error"] is None
    assert counts(app) == before
    assert app.read("ticket", ticket)["note_count"] is None


def test_a_failing_effect_is_the_answer_and_is_not_logged(
    desk: Install, platform: Platform
) -> None:
    app = desk()
    ticket = app.ticket("Printer", priority="high")
    rule = {
        **TRIAGE,
        "effects": [
            TRIAGE["effects"][1],
            {"type": "set_fields", "values": {"status": "=CONCAT('x-', title)"}},
            TRIAGE["effects"][0],
        ],
    }
    before = counts(app)
    answer = tried(app, rule, ticket)
    assert answer["matched"] is True
    assert answer["error"].startswith("rule 'triage_high', effect 1 (set_fields) failed")
    assert [e["index"] for e in answer["effects"]] == [0, 1]
    assert answer["effects"][1]["summary"].startswith("fails: ")
    # Not a run: nothing in the log after the transaction ended.
    assert counts(app) == before
    assert app.runs() == []


def test_a_failing_rule_it_sets_off_is_not_logged_either(desk: Install) -> None:
    chained = {
        "key": "bad_chain",
        "entity": "note",
        "trigger": {"on": "created"},
        "effects": [{"type": "set_fields", "values": {"touched": "=VALUE(text)"}}],
    }
    app = desk(chained)
    ticket = app.ticket(priority="high")
    answer = tried(app, {**TRIAGE, "effects": TRIAGE["effects"][1:2]}, ticket)
    assert "rule 'bad_chain', effect 0 (set_fields) failed" in answer["error"]
    assert app.runs() == []


def test_a_failing_condition_is_the_answer(desk: Install) -> None:
    app = desk()
    ticket = app.ticket()
    answer = tried(app, {**TRIAGE, "when": "VALUE(title) > 1"}, ticket)
    assert answer["matched"] is False
    assert "its condition failed" in answer["error"]


def test_an_invalid_rule_is_refused_with_its_paths(desk: Install) -> None:
    app = desk()
    ticket = app.ticket()
    bad = {
        **TRIAGE,
        "effects": [TRIAGE["effects"][0], {"type": "set_fields", "values": {"status": "bogus"}}],
    }
    with pytest.raises(RuleInvalid) as caught:
        tried(app, bad, ticket)
    assert [e["field"] for e in caught.value.problem_errors()] == [
        "$.rule.effects[1].values.status"
    ]
    with pytest.raises(RuleInvalid) as caught:
        tried(app, {"key": "x", "entity": "ticket", "trigger": {}, "effects": []}, ticket)
    assert {e["field"] for e in caught.value.problem_errors()} == {
        "$.rule.trigger.on",
        "$.rule.effects",
    }
    assert caught.value.status == 422


def test_an_unknown_or_deleted_record_is_not_found(desk: Install) -> None:
    app = desk()
    ticket = app.ticket()
    app.delete("ticket", ticket)
    with pytest.raises(RecordNotFound):
        tried(app, TRIAGE, 999)
    with pytest.raises(RecordNotFound):
        tried(app, TRIAGE, ticket)
    # A rule on deletions is tried on a deleted record.
    on_delete = {**TRIAGE, "trigger": {"on": "deleted"}, "when": None}
    answer = tried(app, {**on_delete, "effects": TRIAGE["effects"][2:3]}, ticket)
    assert answer["error"] is None
    assert answer["effects"][0]["summary"] == "notify Admin: 'High: Printer'"
