"""A publish that computes stored formulas again is a writer: its updates are
events the platform's subscribers see (issue 9), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from api.platform import Platform
from builder.publish import publish
from engine.forms import (
    Hooks,
    RecordEvent,
    RecordUpdated,
    WriteContext,
    delete_record,
)
from engine.store.tables import audit_log
from tests.builder.test_publish import APP, CONTACTS, Crm, edited, set_field


class Seen:
    """A batch subscriber that keeps what it was given, and from which context."""

    def __init__(self) -> None:
        self.events: list[RecordUpdated] = []
        self.apps: set[int | None] = set()

    def __call__(self, ctx: WriteContext, events: Sequence[RecordEvent]) -> None:
        self.apps.add(ctx.app.version_id)
        self.events += [e for e in events if isinstance(e, RecordUpdated)]


def _publish(crm: Crm, data: dict[str, Any], hooks: Hooks) -> int:
    crm.draft(data)
    with crm.platform.store.write(crm.tenant) as conn:
        return publish(conn, "crm", 7, hooks=hooks).version_id


def _triple(data: dict[str, Any]) -> None:
    formula = {"key": "double", "type": "formula", "expr": "amount * 3", "result_type": "currency"}
    set_field("double", formula)(data)


def test_a_subscriber_sees_each_record_a_formula_backfill_changed(
    platform: Platform, tenant: str
) -> None:
    crm = Crm(platform, tenant)
    ann, bob, cy = crm.add("contact", CONTACTS)
    with platform.store.write(tenant) as conn:
        runtime = platform.runtime(conn, tenant, "crm")
        ctx = WriteContext(conn, runtime, "contact", None, datetime.now(UTC))
        delete_record(ctx, runtime.entities["contact"], cy)
    seen, hooks = Seen(), Hooks()
    hooks.subscribe_batches(RecordUpdated, seen)

    version = _publish(crm, edited(_triple), hooks)

    by_id = {e.record_id: e for e in seen.events}
    assert sorted(by_id) == [ann, bob]  # Cy is in the recycle bin: recomputed, no event
    assert (by_id[ann].before, by_id[ann].after) == ({"double": 3}, {"double": 4.5})
    assert (by_id[bob].before, by_id[bob].after) == ({"double": 4}, {"double": 6})
    assert all(e.changed == {"double"} and e.user_id == 7 for e in seen.events)
    assert all(e.app == "crm" and e.entity == "contact" and not e.cause for e in seen.events)
    # The history says the backfill wrote them, not the publisher by hand.
    assert {e.via for e in seen.events} == {"formula:backfill"}
    # The subscriber ran with the new version's runtime, which holds the new formula.
    assert seen.apps == {version}
    with platform.store.read(tenant) as conn:
        rows = conn.execute(
            select(audit_log.c.record_id, audit_log.c.before, audit_log.c.after, audit_log.c.via)
            .where(audit_log.c.action == "update", audit_log.c.entity == "contact")
            .order_by(audit_log.c.record_id)
        ).all()
        assert [tuple(r) for r in rows] == [
            (ann, {"double": 3}, {"double": 4.5}, "formula:backfill"),
            (bob, {"double": 4}, {"double": 6}, "formula:backfill"),
        ]
        table = platform.runtime(conn, tenant, "crm").entities["contact"].table
        assert conn.scalar(select(table.c.double).where(table.c.id == cy)) == 9


def test_a_formula_of_a_sub_table_updates_its_parent_record(
    platform: Platform, tenant: str
) -> None:
    crm = Crm(platform, tenant)
    (deal,) = crm.add("deal", [{"title": "Big", "lines": [{"product": "x", "qty": 2}]}])
    seen, hooks = Seen(), Hooks()
    hooks.subscribe_batches(RecordUpdated, seen)

    def add_formula(data: dict[str, Any]) -> None:
        lines = data["entities"][1]["fields"][2]
        lines["fields"].append(
            {"key": "twice", "type": "formula", "expr": "qty * 2", "result_type": "number"}
        )

    _publish(crm, edited(add_formula), hooks)

    (event,) = seen.events
    assert (event.entity, event.record_id, event.changed) == ("deal", deal, frozenset({"lines"}))
    assert event.before == {"lines": [{"product": "x", "qty": 2, "twice": None}]}
    assert event.after == {"lines": [{"product": "x", "qty": 2, "twice": 4}]}
    assert crm.record("deal", deal)["lines"] == [{"product": "x", "qty": 2, "twice": 4}]


def test_without_a_change_there_is_no_event(platform: Platform, tenant: str) -> None:
    crm = Crm(platform, tenant)
    crm.add("contact", [{"name": "Zero", "amount": 0}])
    seen, hooks = Seen(), Hooks()
    hooks.subscribe_batches(RecordUpdated, seen)
    _publish(crm, edited(_triple, APP), hooks)
    assert seen.events == []
