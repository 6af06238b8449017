"""Which writes start which rules, on SQLite and PostgreSQL: each trigger fires
on its events and only then; ``when`` reads ``old.``; a bulk create is one
event with one run per record; a loop of rules stops at the depth cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.forms import MAX_CAUSE_DEPTH, Hooks, RecordEvent, RecordsCreated, WriteContext
from engine.platform import Platform
from engine.rules import RuleFailed
from engine.startup import register_hooks
from engine.store.tables import audit_log
from tests.engine.rules.conftest import Install


def stamp(key: str, trigger: dict[str, Any], when: str | None = None) -> dict[str, Any]:
    """A rule that leaves a note named after it on the ticket (so we see each run).

    Not a ``set_fields``: that would be an update of the ticket, which starts
    the ``updated`` rules again (a loop, stopped at the depth cap).
    """
    rule: dict[str, Any] = {
        "key": key,
        "entity": "ticket",
        "trigger": trigger,
        "effects": [
            {"type": "create_record", "entity": "note", "values": {"text": key, "ticket": "=id"}}
        ],
    }
    if when is not None:
        rule["when"] = when
    return rule


def ran(desk: Any, rule: str) -> list[int | None]:
    """Records the rule ran for, in order."""
    return [run["record_id"] for run in desk.runs(rule) if run["outcome"] == "ok"]


def test_created_fires_on_create_only(desk: Install) -> None:
    app = desk(stamp("on_create", {"on": "created"}))
    ticket = app.ticket()
    app.update("ticket", ticket, title="Renamed")
    app.delete("ticket", ticket)
    assert ran(app, "on_create") == [ticket]
    assert (app.read("note", 1)["text"], app.count("note")) == ("on_create", 1)


def test_updated_fires_on_every_update_and_when_reads_old(desk: Install) -> None:
    app = desk(
        stamp("on_update", {"on": "updated"}),
        stamp(
            "on_close",
            {"on": "updated"},
            when="old.status != 'closed' and status == 'closed'",
        ),
    )
    ticket = app.ticket()
    assert ran(app, "on_update") == []
    app.update("ticket", ticket, priority="low")
    app.update("ticket", ticket, status="closed")
    # Still closed: the condition compares with the value before.
    app.update("ticket", ticket, priority="high")
    assert ran(app, "on_close") == [ticket]
    assert ran(app, "on_update") == [ticket, ticket, ticket]


def test_field_changed_fires_only_for_its_fields(desk: Install) -> None:
    app = desk(stamp("priority_moved", {"on": "field_changed", "fields": ["priority"]}))
    ticket = app.ticket(priority="low")
    app.update("ticket", ticket, title="Other")
    assert ran(app, "priority_moved") == []
    app.update("ticket", ticket, priority="high")
    assert ran(app, "priority_moved") == [ticket]


def test_deleted_fires_on_delete_and_reads_the_record(desk: Install) -> None:
    rule = {
        "key": "gone",
        "entity": "ticket",
        "trigger": {"on": "deleted"},
        "effects": [
            {
                "type": "create_record",
                "entity": "note",
                "values": {"text": "=CONCAT('deleted: ', title)"},
            }
        ],
    }
    app = desk(rule)
    ticket = app.ticket("Scanner")
    app.update("ticket", ticket, title="Scanner 2")
    assert app.count("note") == 0
    app.delete("ticket", ticket)
    assert ran(app, "gone") == [ticket]
    assert app.read("note", 1)["text"] == "deleted: Scanner 2"


def test_action_ran_fires_for_its_action_only(desk: Install) -> None:
    app = desk(stamp("closed_by_button", {"on": "action_ran", "action": "close"}))
    ticket = app.ticket()
    app.update("ticket", ticket, status="closed")
    app.act(ticket, "reopen")
    assert ran(app, "closed_by_button") == []
    app.act(ticket, "close")
    assert ran(app, "closed_by_button") == [ticket]
    assert app.read("note", 1)["text"] == "closed_by_button"


def test_a_disabled_rule_does_not_run(desk: Install) -> None:
    app = desk({**stamp("off", {"on": "created"}), "enabled": False})
    app.ticket()
    assert (app.runs(), app.count("note")) == ([], 0)


@pytest.fixture
def created_events(platform: Platform) -> Iterator[list[RecordEvent]]:
    """The ticket creations the process's subscribers see (the start-up list plus a counter)."""
    seen: list[RecordEvent] = []
    started = platform.hooks
    platform.hooks = Hooks()
    register_hooks(platform.hooks, platform.store)

    def count(ctx: WriteContext, event: RecordsCreated) -> None:
        if event.entity == "ticket":
            seen.append(event)

    platform.hooks.subscribe(RecordsCreated, count)
    yield seen
    platform.hooks = started


def test_a_bulk_create_is_one_event_and_one_run_per_record(
    desk: Install, created_events: list[RecordEvent]
) -> None:
    rule = {
        "key": "note_each",
        "entity": "ticket",
        "trigger": {"on": "created"},
        "when": "priority == 'high'",
        "effects": [
            {
                "type": "create_record",
                "entity": "note",
                "values": {"ticket": "=id", "text": "=title"},
            }
        ],
    }
    app = desk(rule)
    inputs = [{"title": f"T{i}", "priority": "high" if i % 4 else "low"} for i in range(200)]
    ids = app.create_many("ticket", inputs)
    assert len(created_events) == 1
    assert created_events[0].record_ids == tuple(ids)
    wanted = [record for i, record in enumerate(ids) if i % 4]
    assert ran(app, "note_each") == wanted
    assert app.count("note") == 150
    assert app.read("note", 150)["ticket"] == wanted[-1]


LOOP_A = {
    "key": "ticket_touches_notes",
    "entity": "ticket",
    "trigger": {"on": "updated"},
    "effects": [
        {
            "type": "update_records",
            "entity": "note",
            "filter": {"field": "text", "op": "eq", "value": "loop"},
            "values": {"touched": "=IFNULL(target.touched, 0) + 1"},
        }
    ],
}
LOOP_B = {
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
}


def test_a_loop_of_rules_stops_at_the_depth_cap_writing_nothing(
    desk: Install, platform: Platform, tenant: str
) -> None:
    app = desk(LOOP_A, LOOP_B)
    ticket = app.ticket()
    app.create("note", text="loop", ticket=ticket)
    with platform.store.read(tenant) as conn:
        audit_before = conn.scalar(select(func.count()).select_from(audit_log))

    with pytest.raises(RuleFailed) as caught:
        app.update("ticket", ticket, title="Start")
    problem = caught.value.to_problem()
    assert problem.status == 409
    assert f"deeper than {MAX_CAUSE_DEPTH}" in problem.detail
    assert len(problem.members["chain"]) == MAX_CAUSE_DEPTH + 1
    assert problem.members["chain"][0] == f"update desk.ticket #{ticket}"
    assert problem.members["rule"] in ("ticket_touches_notes", "note_touches_ticket")

    # Nothing of the chain was written…
    current = app.read("ticket", ticket)
    assert (current["title"], current["note_count"], current["version"]) == ("Printer", None, 1)
    assert app.read("note", 1)["touched"] is None
    with platform.store.read(tenant) as conn:
        assert conn.scalar(select(func.count()).select_from(audit_log)) == audit_before
    # …but the failure is in the run log, for both rules of the loop.
    failed = [run for run in app.runs() if run["outcome"] == "failed"]
    assert {run["rule"] for run in failed} == {"ticket_touches_notes", "note_touches_ticket"}
    assert all("deeper than" in run["error"] for run in failed)
    assert [run for run in app.runs() if run["outcome"] == "ok"] == []


def test_a_rule_writing_its_own_record_does_not_start_itself_again(desk: Install) -> None:
    # Without the guard this rule would restart on its own update until the cap.
    shout = {
        "key": "shout",
        "entity": "ticket",
        "trigger": {"on": "updated"},
        "effects": [{"type": "set_fields", "values": {"title": "=CONCAT(title, '!')"}}],
    }
    app = desk(shout, stamp("on_update", {"on": "updated"}))
    ticket = app.ticket(title="Help")
    app.update("ticket", ticket, priority="low")
    assert app.read("ticket", ticket)["title"] == "Help!"
    assert ran(app, "shout") == [ticket]
    # Another rule sees both updates: the user's and the one ``shout`` made.
    assert ran(app, "on_update") == [ticket, ticket]
    app.update("ticket", ticket, priority="high")
    assert app.read("ticket", ticket)["title"] == "Help!!"
