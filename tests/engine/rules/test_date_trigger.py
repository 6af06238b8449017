"""The date trigger: timers follow their anchor, the minute tick fires them, backfill on publish."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete

from builder.apps import save_draft
from builder.publish import publish
from builder.validate import load_definition
from engine.platform import Platform
from engine.rules.state import get_state
from engine.rules.timers import backfill_key, done_key, due_plan
from engine.store.tables import rule_state
from tests.engine.rules.sales_kit import NOW, install_rules, with_rules

#: "3 days after the last follow-up, or after assignment if there was none".
FOLLOW_UP: dict[str, Any] = {
    "key": "follow_up_due",
    "entity": "lead",
    "trigger": {
        "on": "date",
        "expression": "IFNULL(last_followed_up_at, assigned_at)",
        "offset": "3d",
    },
    "when": "status in ['new', 'contacting'] and not ISBLANK(owner)",
    "effects": [
        {
            "type": "notify",
            "to": {"fields": ["owner"]},
            "title": "=CONCAT('Follow up: ', company)",
        }
    ],
}


def test_a_timer_follows_its_anchor(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, FOLLOW_UP)
    lead = crm.lead(owner=crm.ids["rep_a"], assigned_at=NOW.isoformat())
    assert crm.timers()[lead].due_at == NOW + timedelta(days=3)
    # A follow-up moves it; a change of a field the anchor does not read does not.
    crm.update(lead, {"last_followed_up_at": (NOW + timedelta(days=1)).isoformat()})
    assert crm.timers()[lead].due_at == NOW + timedelta(days=4)
    crm.update(lead, {"company": "ACME Ltd"})
    assert crm.timers()[lead].due_at == NOW + timedelta(days=4)
    # A blank anchor has no timer; a deleted record neither.
    crm.update(lead, {"last_followed_up_at": None, "assigned_at": None})
    assert lead not in crm.timers()
    crm.update(lead, {"assigned_at": NOW.isoformat()})
    assert crm.timers()[lead].due_at == NOW + timedelta(days=3)
    crm.delete(lead)
    assert crm.timers() == {}


def test_the_tick_fires_due_timers_once(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, FOLLOW_UP)
    lead = crm.lead(company="Due", owner=crm.ids["rep_a"], assigned_at=NOW.isoformat())
    later = crm.lead(company="Later", owner=crm.ids["rep_b"], assigned_at=NOW.isoformat())
    crm.update(later, {"last_followed_up_at": (NOW + timedelta(days=2)).isoformat()})
    assert crm.tick(NOW + timedelta(days=2))["fired"] == 0
    result = crm.tick(NOW + timedelta(days=3, minutes=1))
    assert result["fired"] == 1, result
    assert crm.notified("rep_a") == ["Follow up: Due"]
    assert crm.notified("rep_b") == []
    assert lead not in crm.timers() and later in crm.timers()
    assert crm.tick(NOW + timedelta(days=3, minutes=2))["fired"] == 0
    assert crm.runs("ok") == 1


def test_the_condition_is_read_when_it_fires(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, FOLLOW_UP)
    lead = crm.lead(owner=crm.ids["rep_a"], assigned_at=NOW.isoformat())
    crm.update(lead, {"status": "invalid"})
    assert crm.tick(NOW + timedelta(days=4))["fired"] == 1  # ran: its condition was false
    assert crm.notified("rep_a") == []
    assert crm.timers() == {}


def test_repeat_at_a_time_of_day(platform: Platform, tenant: str) -> None:
    rule = {
        "key": "call_reminder",
        "entity": "lead",
        "trigger": {
            "on": "date",
            "field": "next_call_on",
            "offset": "-1d",
            "at": "09:00",
            "repeat": {"every": "1d", "times": 3},
        },
        "effects": [{"type": "notify", "to": {"users": ["rep_a"]}, "title": "Call"}],
    }
    crm = install_rules(platform, tenant, rule)
    lead = crm.lead(next_call_on="2026-03-10")
    # The day before, at 09:00 in the tenant's zone (Asia/Shanghai: 01:00 UTC).
    first = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert crm.timers()[lead].due_at == first
    assert crm.tick(first - timedelta(minutes=1))["fired"] == 0
    for day in range(3):
        assert crm.tick(first + timedelta(days=day))["fired"] == 1
    assert crm.notified("rep_a") == ["Call", "Call", "Call"]
    assert crm.timers() == {}
    assert crm.tick(first + timedelta(days=5))["fired"] == 0


def test_missed_repeats_are_not_made_up_for(platform: Platform, tenant: str) -> None:
    rule = {
        "key": "hourly",
        "entity": "lead",
        "trigger": {"on": "date", "field": "created_at", "offset": "1h", "repeat": {"every": "1h"}},
        "effects": [{"type": "notify", "to": {"users": ["rep_a"]}, "title": "Ping"}],
    }
    crm = install_rules(platform, tenant, rule)
    lead = crm.lead()
    assert crm.tick(NOW + timedelta(hours=5, minutes=30))["fired"] == 1
    timer = crm.timers()[lead]
    assert timer.due_at == NOW + timedelta(hours=6)
    assert timer.fired == 5


def test_a_failing_record_blocks_no_other(platform: Platform, tenant: str) -> None:
    rule = {
        "key": "mark",
        "entity": "lead",
        "trigger": {"on": "date", "field": "assigned_at", "offset": "1d"},
        # A blank company is refused (it is required): only the "bad" lead fails.
        "effects": [
            {"type": "set_fields", "values": {"company": "=IF(contact_name == 'bad', '', 'ok')"}}
        ],
    }
    crm = install_rules(platform, tenant, rule)
    good = crm.lead(contact_name="good", assigned_at=NOW.isoformat())
    bad = crm.lead(contact_name="bad", assigned_at=NOW.isoformat())
    result = crm.tick(NOW + timedelta(days=2))
    assert (result["fired"], result["failed"]) == (1, 1), result
    assert crm.read(good)["company"] == "ok"
    assert crm.read(bad)["company"] == "ACME"
    assert crm.runs("failed") == 1
    assert crm.timers() == {}


def test_a_changed_anchor_behind_the_engines_back_is_rescheduled(
    platform: Platform, tenant: str
) -> None:
    crm = install_rules(platform, tenant, FOLLOW_UP)
    lead = crm.lead(owner=crm.ids["rep_a"], assigned_at=NOW.isoformat())
    assert crm.tick(NOW)["backfilled"] == {"sales": 1}  # this version's timers are set
    # A write without hooks (as a raw import would) moves the anchor.
    with crm.write() as conn:
        table = crm.sales.runtime(conn).entities["lead"].table
        conn.execute(
            table.update()
            .where(table.c.id == lead)
            .values(last_followed_up_at=NOW + timedelta(days=10))
        )
    result = crm.tick(NOW + timedelta(days=4))
    assert (result["fired"], result["rescheduled"]) == (0, 1), result
    assert crm.timers()[lead].due_at == NOW + timedelta(days=13)


def test_backfill_on_publish_fires_overdue_ones_exactly_once(
    platform: Platform, tenant: str
) -> None:
    crm = install_rules(platform, tenant)  # no rules yet: records get no timers
    now = datetime.now(UTC).replace(microsecond=0)
    overdue = crm.lead(
        company="Old", owner=crm.ids["rep_a"], assigned_at=(now - timedelta(days=10)).isoformat()
    )
    future = crm.lead(company="New", owner=crm.ids["rep_b"], assigned_at=now.isoformat())
    assert crm.timers() == {}
    with crm.write() as conn:
        save_draft(conn, "sales", load_definition(with_rules(FOLLOW_UP)))
        published = publish(conn, "sales", None, now)
    result = crm.tick(now)
    assert result["backfilled"] == {"sales": 2}
    assert result["fired"] == 1, result
    assert crm.notified("rep_a") == ["Follow up: Old"]
    assert set(crm.timers()) == {future}
    with platform.store.read(tenant) as conn:
        assert get_state(conn, backfill_key("sales")) == {"version": published.version_id}
        assert get_state(conn, done_key("sales", FOLLOW_UP["key"], overdue)) is not None
    # Backfilled again (the state lost): the finished reminder does not fire twice.
    with crm.write() as conn:
        conn.execute(delete(rule_state).where(rule_state.c.key == backfill_key("sales")))
    result = crm.tick(now + timedelta(minutes=1))
    assert result["backfilled"] == {"sales": 2}
    assert result["fired"] == 0
    assert crm.notified("rep_a") == ["Follow up: Old"]
    assert crm.tick(now + timedelta(minutes=2))["backfilled"] == {"sales": 0}


def test_the_due_query_reads_the_index(platform: Platform, tenant: str) -> None:
    install_rules(platform, tenant, FOLLOW_UP)
    with platform.store.read(tenant) as conn:
        if conn.dialect.name == "postgresql":
            # An empty table is read whole whatever its indexes: ask for the index path.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = due_plan(conn)
    assert "ix_rule_timers_due" in plan, plan


@pytest.mark.parametrize(
    ("trigger", "path"),
    [
        ({"on": "date", "field": "company"}, "$.rules[0].trigger.field"),
        ({"on": "date", "field": "nope"}, "$.rules[0].trigger.field"),
        ({"on": "date", "expression": "NOPE(assigned_at)"}, "$.rules[0].trigger.expression"),
        ({"on": "date", "field": "assigned_at", "offset": "3 days"}, "$.rules[0].trigger.offset"),
        ({"on": "date", "field": "assigned_at", "at": "25:00"}, "$.rules[0].trigger.at"),
        ({"on": "date", "field": "assigned_at", "expression": "assigned_at"}, "$.rules[0].trigger"),
    ],
)
def test_publish_refuses_a_bad_date_trigger(trigger: dict[str, Any], path: str) -> None:
    from builder.validate import DefinitionError

    rule = {**FOLLOW_UP, "trigger": trigger}
    with pytest.raises(DefinitionError) as caught:
        load_definition(with_rules(rule))
    assert any(issue.path == path for issue in caught.value.issues), caught.value.issues


def test_a_date_anchor_without_a_time_is_its_midnight() -> None:
    from zoneinfo import ZoneInfo

    from engine.expressions import EvalContext
    from engine.rules.triggers.date import DateConfig, DateTrigger

    trigger = DateTrigger(DateConfig(field="next_call_on", offset="-3d"))
    zone = ZoneInfo("Asia/Shanghai")
    due = trigger.first_due({"next_call_on": date(2026, 3, 10)}, EvalContext(tz=zone))
    assert due == datetime(2026, 3, 7, 0, 0, tzinfo=zone)
    assert trigger.first_due({"next_call_on": None}, EvalContext(tz=zone)) is None
