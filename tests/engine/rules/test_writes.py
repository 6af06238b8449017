"""The effects that write records, on SQLite and PostgreSQL: ``set_fields``,
``create_record`` linking ``=id``, ``update_records`` through a link field and
through a filter, and an effect that fails the write it was started by."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.platform import Platform
from engine.rules import RuleFailed
from engine.store.tables import audit_log
from tests.engine.rules.conftest import Install

COUNT_NOTES = {
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


def test_set_fields_writes_literals_and_expressions_over_old_values(desk: Install) -> None:
    rule = {
        "key": "escalate",
        "entity": "ticket",
        "trigger": {"on": "field_changed", "fields": ["priority"]},
        "when": "priority == 'high'",
        "effects": [
            {
                "type": "set_fields",
                "values": {
                    "status": "triaged",
                    "log": "=CONCAT('was ', old.priority, ', now ', priority)",
                },
            }
        ],
    }
    app = desk(rule)
    ticket = app.ticket(priority="low")
    app.update("ticket", ticket, priority="high")
    found = app.read("ticket", ticket)
    assert (found["status"], found["log"]) == ("triaged", "was low, now high")
    # The user's write and the rule's are two versions, the rule's audited as caused.
    assert found["version"] == 3
    (run,) = app.runs("escalate")
    assert run["effects"] == [
        {
            "index": 0,
            "type": "set_fields",
            "values": {"status": "triaged", "log": "was low, now high"},
        }
    ]


def test_create_record_links_the_new_record_to_this_one(desk: Install) -> None:
    rule = {
        "key": "first_note",
        "entity": "ticket",
        "trigger": {"on": "created"},
        "when": "priority == 'high'",
        "effects": [
            {
                "type": "create_record",
                "entity": "note",
                "values": {"ticket": "=id", "text": "=CONCAT('auto: ', title)"},
            }
        ],
    }
    app = desk(rule)
    app.ticket("Quiet", priority="low")
    loud = app.ticket("Loud", priority="high")
    assert app.count("note") == 1
    note = app.read("note", 1)
    assert (note["ticket"], note["text"]) == (loud, "auto: Loud")
    assert app.runs("first_note")[0]["effects"][0]["created"] == 1


def test_update_records_writes_back_through_a_link(desk: Install) -> None:
    app = desk(COUNT_NOTES)
    first, second = app.ticket("A"), app.ticket("B")
    for ticket in (first, second, first, first):
        app.create("note", text="n", ticket=ticket)
    app.create("note", text="unlinked")
    assert app.read("ticket", first)["note_count"] == 3
    assert app.read("ticket", second)["note_count"] == 1
    # A computed field follows the write-back.
    assert app.read("ticket", first)["score"] == 6
    runs = app.runs("count_notes")
    assert [run["effects"][0]["updated"] for run in runs] == [[1], [2], [1], [1], []]


def test_update_records_skips_a_target_in_the_recycle_bin(
    desk: Install, platform: Platform, tenant: str
) -> None:
    rule = {
        **COUNT_NOTES,
        "key": "count_updates",
        "trigger": {"on": "updated"},
    }
    app = desk(rule)
    ticket = app.ticket()
    note = app.create("note", text="n", ticket=ticket)
    app.delete("ticket", ticket)
    # Deleting set the note's link to null (on_delete); link it by the stored
    # column again, as an old note of a deleted ticket would be.
    with platform.store.write(tenant) as conn:
        table = app.runtime(conn).entities["note"].table
        conn.execute(table.update().where(table.c.id == note).values(ticket=ticket))
    app.update("note", note, text="edited")
    assert app.runs("count_updates")[-1]["effects"][0]["updated"] == []


def test_update_records_by_a_filter(desk: Install) -> None:
    rule = {
        "key": "close_siblings",
        "entity": "ticket",
        "trigger": {"on": "action_ran", "action": "close"},
        "effects": [
            {
                "type": "update_records",
                "entity": "ticket",
                "filter": {
                    "and": [
                        {"field": "priority", "op": "eq", "value": "low"},
                        {"field": "status", "op": "eq", "value": "new"},
                    ]
                },
                "values": {"status": "closed", "log": "=CONCAT('closed with ', title)"},
            }
        ],
    }
    app = desk(rule)
    lows = [app.ticket(f"Low {i}", priority="low") for i in range(3)]
    high = app.ticket("High", priority="high")
    app.act(high, "close")
    for low in lows:
        assert app.read("ticket", low)["status"] == "closed"
        assert app.read("ticket", low)["log"] == "closed with High"
    assert app.read("ticket", high)["log"] is None
    assert app.runs("close_siblings")[0]["effects"][0]["updated"] == lows


def audit_rows(platform: Platform, tenant: str) -> int:
    with platform.store.read(tenant) as conn:
        return len(conn.execute(select(audit_log.c.id)).all())


def test_a_failing_effect_fails_the_write_and_is_logged(
    desk: Install, platform: Platform, tenant: str
) -> None:
    rule: dict[str, Any] = {
        "key": "bad_status",
        "entity": "ticket",
        "trigger": {"on": "created"},
        "effects": [
            {"type": "create_record", "entity": "note", "values": {"text": "=title"}},
            # Not an option of status: only known once the title is.
            {"type": "set_fields", "values": {"status": "=CONCAT('x-', title)"}},
        ],
    }
    app = desk(rule)
    before = audit_rows(platform, tenant)
    with pytest.raises(RuleFailed) as caught:
        app.ticket("Printer")
    problem = caught.value.to_problem()
    assert problem.status == 422
    assert problem.detail.startswith("rule 'bad_status', effect 1 (set_fields) failed")
    assert problem.members == {"rule": "bad_status", "effect": 1, "effect_type": "set_fields"}
    assert problem.errors and problem.errors[0]["field"] == "status"
    # Nothing was written: neither the ticket nor the first effect's note…
    assert (app.count("ticket"), app.count("note")) == (0, 0)
    assert audit_rows(platform, tenant) == before
    # …but the failed run is in the log, written after the rollback.
    (run,) = app.runs("bad_status")
    assert run["outcome"] == "failed"
    assert run["record_id"] == 1
    assert "effect 1 (set_fields)" in run["error"]


def test_a_failing_condition_fails_the_write_naming_the_rule(desk: Install) -> None:
    rule = {
        "key": "bad_when",
        "entity": "ticket",
        "trigger": {"on": "created"},
        "when": "VALUE(title) > 1",
        "effects": [{"type": "set_fields", "values": {"status": "triaged"}}],
    }
    app = desk(rule)
    with pytest.raises(RuleFailed) as caught:
        app.ticket()
    assert "rule 'bad_when', its condition failed" in str(caught.value)
    assert app.count("ticket") == 0
    assert [run["outcome"] for run in app.runs("bad_when")] == ["failed"]


def test_the_answer_to_a_create_shows_what_its_rules_wrote(desk: Install) -> None:
    from engine.forms import create_record

    app = desk(
        {
            "key": "triage",
            "entity": "ticket",
            "trigger": {"on": "created"},
            "effects": [{"type": "set_fields", "values": {"status": "triaged"}}],
        }
    )
    with app.writing() as ctx:
        answer = create_record(ctx, ctx.app.entities["ticket"], {"title": "Printer"})
    # The record as stored after the rule, not as first written.
    assert answer["status"] == "triaged"
    assert answer["version"] == 2
    assert app.read("ticket", answer["id"])["status"] == "triaged"
