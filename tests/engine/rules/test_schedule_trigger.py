"""The schedule trigger: cron ticks over the records a filter selects, or once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.platform import Platform
from tests.engine.rules.sales_kit import NOW, install_rules, with_rules

#: Every day at 09:00 in the tenant's zone (Asia/Shanghai): 01:00 UTC.
DAILY: dict[str, Any] = {
    "key": "wake_up",
    "entity": "lead",
    "trigger": {
        "on": "schedule",
        "cron": "0 9 * * *",
        "filter": {"field": "status", "op": "eq", "value": "new"},
    },
    "effects": [{"type": "set_fields", "values": {"status": "contacting"}}],
}


def test_a_schedule_runs_over_its_filter_once_per_tick(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, DAILY)
    fresh = crm.lead(company="Fresh")
    dead = crm.lead(company="Dead", status="invalid")
    # First seen: it counts from now and runs nothing.
    assert crm.schedules(NOW) == []
    assert crm.schedules(NOW + timedelta(hours=12)) == []  # 21:00 local: no tick yet
    (run,) = crm.schedules(NOW + timedelta(hours=16, minutes=5))  # 01:05 local next day
    assert (run["rule"], run["ran"], run["failed"]) == ("wake_up", 1, 0)
    assert run["tick"] == "2026-03-03T01:00:00+00:00"
    assert crm.read(fresh)["status"] == "contacting"
    assert crm.read(dead)["status"] == "invalid"
    # The same tick again (another worker): nothing.
    assert crm.schedules(NOW + timedelta(hours=16, minutes=6)) == []
    # Missed ticks coalesce into one run.
    crm.update(fresh, {"status": "new"})
    (run,) = crm.schedules(NOW + timedelta(days=4))
    assert run["tick"] == "2026-03-06T01:00:00+00:00"
    assert run["ran"] == 1


def test_a_schedule_runs_once_without_a_record(platform: Platform, tenant: str) -> None:
    rule = {
        "key": "weekly_note",
        "entity": "lead",
        "trigger": {"on": "schedule", "cron": "*/30 * * * *", "timezone": "UTC", "once": True},
        "effects": [
            {"type": "create_record", "entity": "follow_up", "values": {"subject": "Weekly"}}
        ],
    }
    crm = install_rules(platform, tenant, rule)
    crm.lead()
    assert crm.schedules(NOW) == []
    (run,) = crm.schedules(NOW + timedelta(minutes=31))
    assert run["ran"] == 1
    assert crm.sales.count("follow_up") == 1
    assert crm.runs("ok") == 1


@pytest.mark.parametrize(
    ("trigger", "effects", "path"),
    [
        ({"on": "schedule", "cron": "61 * * * *"}, None, "$.rules[0].trigger.cron"),
        (
            {"on": "schedule", "cron": "0 9 * * *", "timezone": "Mars/Base"},
            None,
            "$.rules[0].trigger.timezone",
        ),
        (
            {"on": "schedule", "cron": "0 9 * * *", "once": True},
            [{"type": "set_fields", "values": {"status": "new"}}],
            "$.rules[0].effects[0]",
        ),
    ],
)
def test_publish_refuses_a_bad_schedule(
    trigger: dict[str, Any], effects: list[dict[str, Any]] | None, path: str
) -> None:
    rule = {**DAILY, "trigger": trigger, **({"effects": effects} if effects else {})}
    with pytest.raises(DefinitionError) as caught:
        load_definition(with_rules(rule))
    assert any(issue.path == path for issue in caught.value.issues), caught.value.issues
