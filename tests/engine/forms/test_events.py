"""Record events, the one audit writer and the hooks of a write, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from builder.apps import install_app
from builder.validate import load_definition
from engine.forms.context import WriteContext
from engine.forms.events import (
    ActionRan,
    RecordDeleted,
    RecordEvent,
    RecordPurged,
    RecordRestored,
    RecordsCreated,
    RecordUpdated,
    emit,
)
from engine.forms.hooks import (
    MAX_CAUSE_DEPTH,
    CauseChainTooDeep,
    Hooks,
    PendingWrite,
    WriteRefused,
)
from engine.forms.records import (
    create_record,
    create_records,
    delete_record,
    purge_record,
    record_history,
    restore_record,
    update_record,
)
from engine.jobs import enqueue
from engine.store.tables import audit_log, jobs, users

APP: dict[str, Any] = {
    "key": "ev",
    "version": "1.0.0",
    "entities": [
        {
            "key": "note",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "size", "type": "number", "precision": 0},
            ],
        }
    ],
    "roles": [],
}
ALL = (
    RecordsCreated,
    RecordUpdated,
    RecordDeleted,
    RecordRestored,
    RecordPurged,
    ActionRan,
)


@pytest.fixture
def app_tenant(platform: Any, tenant: str) -> Iterator[str]:
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(APP), None)
    yield tenant


def _context(platform: Any, tenant: str, conn: Connection, hooks: Hooks) -> WriteContext:
    runtime = platform.runtime(conn, tenant, "ev")
    admin = conn.scalar(select(users.c.id).where(users.c.username == "admin"))
    return WriteContext(conn, runtime, "note", admin, datetime.now(UTC), hooks=hooks)


def _counts(platform: Any, tenant: str) -> tuple[int, int, int]:
    """(notes, audit rows of notes, jobs) as committed."""
    with platform.store.read(tenant) as conn:
        runtime = platform.runtime(conn, tenant, "ev")
        table = runtime.entities["note"].table
        return (
            int(conn.scalar(select(func.count()).select_from(table)) or 0),
            int(
                conn.scalar(
                    select(func.count())
                    .select_from(audit_log)
                    .where(audit_log.c.app_key == "ev", audit_log.c.entity == "note")
                )
                or 0
            ),
            int(conn.scalar(select(func.count()).select_from(jobs)) or 0),
        )


def test_each_write_emits_exactly_its_event(platform: Any, app_tenant: str) -> None:
    seen: list[RecordEvent] = []
    hooks = Hooks()
    hooks.subscribe(ALL, lambda ctx, event: seen.append(event))
    with platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        entity = ctx.app.entities["note"]
        one = create_record(ctx, entity, {"name": "a", "size": 1})["id"]
        assert len(seen) == 1 and isinstance(seen[0], RecordsCreated)
        assert seen[0].ids == (one,) and seen[0].values == ({"name": "a", "size": 1},)
        assert (seen[0].app, seen[0].entity, seen[0].user_id) == ("ev", "note", ctx.user_id)
        assert seen[0].cause == ()

        bulk = create_records(ctx, entity, [{"name": f"b{i}"} for i in range(5)])
        assert len(seen) == 2 and isinstance(seen[1], RecordsCreated)
        assert seen[1].ids == tuple(bulk) and len(seen[1].values) == 5

        update_record(ctx, entity, one, {"size": 2, "name": "a"}, 1)
        updated = seen[2]
        assert isinstance(updated, RecordUpdated) and updated.record_id == one
        assert updated.changed == frozenset({"size"})
        assert dict(updated.before) == {"size": 1} and dict(updated.after) == {"size": 2}

        delete_record(ctx, entity, one)
        restore_record(ctx, entity, one)
        delete_record(ctx, entity, one)
        purge_record(ctx, entity, one)
        kinds = [type(e) for e in seen[3:]]
        assert kinds == [RecordDeleted, RecordRestored, RecordDeleted, RecordPurged]
        purged = seen[-1]
        assert isinstance(purged, RecordPurged) and purged.before["name"] == "a"
        assert all(e.record_ids == (one,) for e in seen[3:])
        # The history read path reads the rows the events wrote, as before.
        history = record_history(ctx, entity, one)
        assert [h["action"] for h in history] == [
            "create",
            "update",
            "delete",
            "restore",
            "delete",
            "purge",
        ]
        assert history[1]["changes"] == [{"field": "size", "from": 1, "to": 2}]
    # One audit row per record: 1 + 5 creates, then 5 writes of the first.
    assert _counts(platform, app_tenant)[1] == 6 + 5


def test_events_are_immutable(platform: Any, app_tenant: str) -> None:
    event = RecordDeleted(app="ev", entity="note", user_id=None, at=datetime.now(UTC), record_id=1)
    with pytest.raises(AttributeError):
        event.record_id = 2  # type: ignore[misc]


def test_a_subscriber_that_raises_rolls_the_whole_write_back(
    platform: Any, app_tenant: str
) -> None:
    def enqueue_then_fail(ctx: WriteContext, event: RecordsCreated) -> None:
        enqueue(ctx.conn, "test.noop", {"ids": list(event.ids)})
        raise RuntimeError("the subscriber failed")

    hooks = Hooks()
    hooks.subscribe(RecordsCreated, enqueue_then_fail)
    failing = pytest.raises(RuntimeError, match="subscriber failed")
    with failing, platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        create_records(ctx, ctx.app.entities["note"], [{"name": "x"}, {"name": "y"}])
    assert _counts(platform, app_tenant) == (0, 0, 0)


def test_a_subscriber_enqueues_with_the_write(platform: Any, app_tenant: str) -> None:
    """The control of the test above: without the failure, all three commit."""
    hooks = Hooks()
    hooks.subscribe(
        RecordsCreated, lambda ctx, event: enqueue(ctx.conn, "test.noop", {"ids": list(event.ids)})
    )
    with platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        create_records(ctx, ctx.app.entities["note"], [{"name": "x"}, {"name": "y"}])
    assert _counts(platform, app_tenant) == (2, 2, 1)


def test_a_guard_refuses_an_update_and_nothing_is_written(platform: Any, app_tenant: str) -> None:
    asked: list[PendingWrite] = []

    def locked(ctx: WriteContext, write: PendingWrite) -> None:
        asked.append(write)
        if write.kind == "update" and write.current is not None and write.current["size"] == 5:
            raise WriteRefused(f"note #{write.record_id} is locked under approval")

    with platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, Hooks())
        record_id = create_record(ctx, ctx.app.entities["note"], {"name": "n", "size": 5})["id"]
    hooks = Hooks()
    hooks.guard(locked)
    refused = pytest.raises(WriteRefused, match="locked under approval")
    with refused, platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        update_record(ctx, ctx.app.entities["note"], record_id, {"size": 6}, 1)
    assert [(w.kind, w.record_id, list(w.values)) for w in asked] == [
        ("update", record_id, [{"size": 6}])
    ]
    with platform.store.read(app_tenant) as conn:
        table = platform.runtime(conn, app_tenant, "ev").entities["note"].table
        row = conn.execute(select(table.c.size, table.c.version)).one()
    assert (row.size, row.version) == (5, 1)
    assert _counts(platform, app_tenant) == (1, 1, 0)


def test_a_guard_sees_creates_before_they_happen(platform: Any, app_tenant: str) -> None:
    def no_big_batches(ctx: WriteContext, write: PendingWrite) -> None:
        if write.kind == "create" and len(write.values) > 2:
            raise WriteRefused("at most 2 notes at a time")

    hooks = Hooks()
    hooks.guard(no_big_batches)
    with pytest.raises(WriteRefused), platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        create_records(ctx, ctx.app.entities["note"], [{"name": str(i)} for i in range(3)])
    assert _counts(platform, app_tenant) == (0, 0, 0)


def test_writes_caused_by_writes_stop_at_the_cap(platform: Any, app_tenant: str) -> None:
    def echo(ctx: WriteContext, event: RecordsCreated) -> None:
        caused = ctx.caused_by(event)
        create_record(caused, caused.app.entities["note"], {"name": f"echo {len(caused.cause)}"})

    hooks = Hooks()
    hooks.subscribe(RecordsCreated, echo)
    with pytest.raises(CauseChainTooDeep) as raised, platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        create_record(ctx, ctx.app.entities["note"], {"name": "first"})
    chain = raised.value.chain
    assert len(chain) == MAX_CAUSE_DEPTH + 1
    assert all(c.action == "create" and c.entity == "note" for c in chain)
    assert str(chain[0]) in str(raised.value) and str(chain[-1]) in str(raised.value)
    assert _counts(platform, app_tenant) == (0, 0, 0)


def test_a_chain_within_the_cap_is_written_with_its_causes(platform: Any, app_tenant: str) -> None:
    seen: list[RecordsCreated] = []

    def echo_twice(ctx: WriteContext, event: RecordsCreated) -> None:
        seen.append(event)
        if len(event.cause) < 2:
            caused = ctx.caused_by(event)
            create_record(caused, caused.app.entities["note"], {"name": "echo"})

    hooks = Hooks()
    hooks.subscribe(RecordsCreated, echo_twice)
    with platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, hooks)
        first = create_record(ctx, ctx.app.entities["note"], {"name": "first"})["id"]
    assert [len(e.cause) for e in seen] == [0, 1, 2]
    assert seen[2].cause[0].record_ids == (first,)
    assert _counts(platform, app_tenant) == (3, 3, 0)


def test_emit_without_subscribers_writes_the_audit_row(platform: Any, app_tenant: str) -> None:
    with platform.store.write(app_tenant) as conn:
        ctx = _context(platform, app_tenant, conn, Hooks())
        emit(
            ctx,
            ActionRan(
                app="ev",
                entity="note",
                user_id=ctx.user_id,
                at=ctx.now,
                record_id=3,
                action_key="auto_return",
                action_type=None,
                detail={"pool": "p"},
            ),
        )
    with platform.store.read(app_tenant) as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.action == "action")).one()
    assert row.record_id == 3 and row.user_id is not None
    assert row.after == {"action": "auto_return", "pool": "p"}
