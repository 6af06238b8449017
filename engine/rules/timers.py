"""Timers of date rules: one row per (rule, record) in ``rule_timers``, and firing them.

* ``follow(ctx, event)`` keeps the timers in step with the writes, in the
  write's transaction: a new record gets its timers, a change of a field the
  anchor reads moves them, a deleted record (or a blank anchor) loses them.
* ``backfill(...)`` gives every live record of an app its timers when a new
  version is published (the records written before the rule existed).
* ``fire_timers(...)`` is the minute tick's work: it claims the due timers
  through ``ix_rule_timers_due`` (never scanning the records), re-checks each
  anchor, runs the rule for each record in a savepoint of its own (one
  failing record blocks no other; its failure goes to the run log), and
  moves the timer by its ``repeat`` or retires it.

A retired timer leaves a ``done:`` key in ``rule_state`` with the time it was
for, so a backfill does not fire an overdue reminder a second time; the row
of a timer that is still to fire carries the count of its past occurrences
(``fired``), so its first due time is known again from the record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.definition.versions import AppNotFound
from engine.forms import (
    NO_HOOKS,
    AppRuntime,
    EntityRuntime,
    Hooks,
    RecordDeleted,
    RecordEvent,
    RecordPurged,
    RecordRestored,
    RecordsCreated,
    RecordUpdated,
    WriteContext,
)
from engine.rules.base import RuleRun
from engine.rules.compiled import CompiledRule, rulebook
from engine.rules.state import get_state, get_states, put_state, put_states
from engine.rules.triggers.date import DateTrigger
from engine.store.bulk import insert_many
from engine.store.tables import rule_timers

log = logging.getLogger(__name__)

#: Due timers claimed per transaction by the tick.
FIRE_BATCH = 500
#: Batches per tick: a tick ends even if timers keep coming due.
MAX_FIRE_BATCHES = 200
#: Records per transaction of a backfill.
BACKFILL_BATCH = 1_000
#: Missed occurrences of a repeat skipped at most in one step (bounds the loop).
MAX_SKIPPED = 100_000

#: A transaction on the tenant's store.
Write = Callable[[], AbstractContextManager[Connection]]
#: An app's published runtime on a connection.
RuntimeOf = Callable[[Connection, str], AppRuntime]


def date_rules(app: AppRuntime, entity: str | None = None) -> list[CompiledRule]:
    """The enabled date rules of this version (of one entity)."""
    return [
        r for r in rulebook(app).clocked(DateTrigger.key) if entity is None or r.entity == entity
    ]


def _trigger(rule: CompiledRule) -> DateTrigger:
    assert isinstance(rule.trigger, DateTrigger)
    return rule.trigger


def done_key(app: str, rule: str, record_id: int) -> str:
    return f"done:{app}/{rule}/{record_id}"


def _upsert(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(rule_timers)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[rule_timers.c.app, rule_timers.c.rule, rule_timers.c.record_id],
            set_={"due_at": statement.excluded.due_at, "fired": 0},
        ),
        list(rows),
    )


def _delete(conn: Connection, app: str, rules: Sequence[str], ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 1_000):
        conn.execute(
            delete(rule_timers).where(
                rule_timers.c.app == app,
                rule_timers.c.rule.in_(rules),
                rule_timers.c.record_id.in_(ids[start : start + 1_000]),
            )
        )


def _row(app: str, rule: CompiledRule, record_id: int, due: datetime) -> dict[str, Any]:
    return {
        "app": app,
        "rule": rule.key,
        "entity": rule.entity,
        "record_id": record_id,
        "due_at": due,
        "fired": 0,
    }


def reconcile(
    conn: Connection,
    app: str,
    rule: CompiledRule,
    dues: Mapping[int, datetime | None],
    zone: tzinfo,
) -> None:
    """Make the timers of these records match their first due times.

    A timer already counting towards the same first due time is kept (with
    its past occurrences); one whose anchor moved starts again; one that
    finished for this very time (a ``done:`` key) is not set again.
    """
    if not dues:
        return
    trigger = _trigger(rule)
    ids = list(dues)
    existing: dict[int, Any] = {}
    for start in range(0, len(ids), 1_000):
        query = select(rule_timers).where(
            rule_timers.c.app == app,
            rule_timers.c.rule == rule.key,
            rule_timers.c.record_id.in_(ids[start : start + 1_000]),
        )
        existing.update({row.record_id: row for row in conn.execute(query)})
    blank = [i for i, due in dues.items() if due is None and i in existing]
    moved: dict[int, datetime] = {}
    for record_id, due in dues.items():
        if due is None:
            continue
        row = existing.get(record_id)
        if row is not None and trigger.due_after(due, row.fired, zone) == row.due_at:
            continue
        moved[record_id] = due
    done = get_states(conn, (done_key(app, rule.key, i) for i in moved))
    finished = [i for i, due in moved.items() if _is_done(done, app, rule.key, i, due)]
    _delete(conn, app, [rule.key], blank + [i for i in finished if i in existing])
    _upsert(conn, [_row(app, rule, i, due) for i, due in moved.items() if i not in finished])


def _is_done(done: Mapping[str, Any], app: str, rule: str, record_id: int, due: datetime) -> bool:
    value = done.get(done_key(app, rule, record_id))
    return isinstance(value, dict) and value.get("due") == due.isoformat()


def follow(ctx: WriteContext, event: RecordEvent) -> None:
    """Keep the timers of the event's records in step (called for every record event)."""
    rules = date_rules(ctx.app, event.entity)
    if not rules:
        return
    ids = list(event.record_ids)
    if isinstance(event, RecordDeleted | RecordPurged):
        _delete(ctx.conn, ctx.app.key, [r.key for r in rules], ids)
        return
    if isinstance(event, RecordUpdated):
        # Every update moves ``updated_at``: a rule anchored on it always follows.
        changed = event.changed | {"updated_at"}
        rules = [r for r in rules if not _trigger(r).reads().isdisjoint(changed)]
        if not rules:
            return
    elif not isinstance(event, RecordsCreated | RecordRestored):
        return  # an action ran: its field changes are updates of their own
    from engine.rules.subscriber import load_values

    entity = ctx.app.entities[event.entity]
    stored = load_values(ctx, entity, ids)
    scope = ctx.eval_context()
    for rule in rules:
        trigger = _trigger(rule)
        dues = {
            i: trigger.first_due(_named(i, v), scope)
            for i, v in stored.items()
            if v.get("deleted_at") is None
        }
        if isinstance(event, RecordsCreated):
            # New records have no timers and no finished ones: one bulk insert.
            rows = [_row(ctx.app.key, rule, i, d) for i, d in dues.items() if d is not None]
            if rows:
                insert_many(ctx.conn, rule_timers, rows)
        else:
            reconcile(ctx.conn, ctx.app.key, rule, dues, ctx.zone())


def _named(record_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    return {**values, "id": record_id}


# -- backfill -----------------------------------------------------------------------
def backfill_key(app: str) -> str:
    return f"backfill:{app}"


def backfill(write: Write, runtime_of: RuntimeOf, app_key: str, now: datetime) -> int:
    """Timers for every live record of the app's date rules, once per published version.

    Answers the records looked at (0 when this version has been backfilled).
    Each batch is its own transaction; the version is noted last, so a run
    cut short is done again (keeping the timers it already set).
    """
    with write() as conn:
        runtime = runtime_of(conn, app_key)
        version = runtime.version_id
        if get_state(conn, backfill_key(app_key)) == {"version": version}:
            return 0
        rules = date_rules(runtime)
        # Timers of rules this version no longer has (or disabled) go.
        conn.execute(
            delete(rule_timers).where(
                rule_timers.c.app == app_key, rule_timers.c.rule.not_in([r.key for r in rules])
            )
        )
    seen = 0
    for rule in rules:
        after = 0
        while True:
            with write() as conn:
                # Reads records and writes timers only, no record: nothing to
                # emit, so no hooks. A write context for the clock and the zone.
                ctx = WriteContext(conn, runtime, rule.entity, None, now)
                entity = runtime.entities[rule.entity]
                ids = list(
                    conn.scalars(
                        select(entity.table.c.id)
                        .where(entity.table.c.deleted_at.is_(None), entity.table.c.id > after)
                        .order_by(entity.table.c.id)
                        .limit(BACKFILL_BATCH)
                    )
                )
                if not ids:
                    break
                _backfill_batch(ctx, entity, rule, ids)
            seen += len(ids)
            after = ids[-1]
    with write() as conn:
        put_state(conn, backfill_key(app_key), {"version": version}, now)
    return seen


def _backfill_batch(
    ctx: WriteContext, entity: EntityRuntime, rule: CompiledRule, ids: list[int]
) -> None:
    from engine.rules.subscriber import load_values

    trigger = _trigger(rule)
    scope = ctx.eval_context()
    stored = load_values(ctx, entity, ids)
    dues = {i: trigger.first_due(_named(i, v), scope) for i, v in stored.items()}
    reconcile(ctx.conn, ctx.app.key, rule, dues, ctx.zone())


# -- firing -------------------------------------------------------------------------
@dataclass
class Fired:
    """What one tick did."""

    fired: int = 0
    failed: int = 0
    #: Timers moved because their anchor had changed behind the engine's back.
    rescheduled: int = 0
    #: Timers dropped: their record, rule or app is gone, or the anchor is blank.
    dropped: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "fired": self.fired,
            "failed": self.failed,
            "rescheduled": self.rescheduled,
            "dropped": self.dropped,
            "errors": self.errors[:20],
        }


def due_query(now: datetime, limit: int) -> Any:
    """The due timers, oldest first, through ``ix_rule_timers_due``.

    On PostgreSQL the rows are locked with ``SKIP LOCKED``: two workers
    ticking together never fire the same timer.
    """
    return (
        select(rule_timers)
        .where(rule_timers.c.due_at <= now)
        .order_by(rule_timers.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def due_plan(conn: Connection, now: datetime | None = None, limit: int = FIRE_BATCH) -> str:
    """The database's plan of ``due_query`` (``EXPLAIN``), for benchmarks and tests."""
    compiled = due_query(now or datetime.now(UTC), limit).compile(conn)
    sql = str(compiled)
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {sql}",
            tuple(
                (compiled.positiontup and [compiled.params[name] for name in compiled.positiontup])
                or ()
            ),
        )
        return "\n".join(str(row[-1]) for row in rows)
    rows = conn.exec_driver_sql(f"EXPLAIN {sql}", compiled.params)
    return "\n".join(str(row[0]) for row in rows)


def fire_timers(
    write: Write,
    runtime_of: RuntimeOf,
    now: datetime,
    *,
    hooks: Hooks = NO_HOOKS,
    batch_size: int = FIRE_BATCH,
    max_batches: int = MAX_FIRE_BATCHES,
) -> Fired:
    """Fire every timer due at ``now``: batch after batch, each its own transaction."""
    outcome = Fired()
    for _ in range(max_batches):
        with write() as conn:
            rows = conn.execute(due_query(now, batch_size)).all()
            if not rows:
                break
            groups: dict[tuple[str, str], list[Any]] = {}
            for row in rows:
                groups.setdefault((row.app, row.rule), []).append(row)
            for (app_key, rule_key), group in groups.items():
                _fire_group(conn, runtime_of, app_key, rule_key, group, now, hooks, outcome)
        if len(rows) < batch_size:
            break
    return outcome


def _fire_group(
    conn: Connection,
    runtime_of: RuntimeOf,
    app_key: str,
    rule_key: str,
    rows: list[Any],
    now: datetime,
    hooks: Hooks,
    outcome: Fired,
) -> None:
    ids = [row.id for row in rows]
    try:
        runtime = runtime_of(conn, app_key)
    except AppNotFound:
        runtime = None
    rule = None if runtime is None else rulebook(runtime).get(rule_key)
    if runtime is None or rule is None or not isinstance(rule.trigger, DateTrigger):
        conn.execute(delete(rule_timers).where(rule_timers.c.id.in_(ids)))
        outcome.dropped += len(ids)
        return
    from engine.rules.subscriber import load_values

    trigger = rule.trigger
    entity = runtime.entities[rule.entity]
    ctx = WriteContext(conn, runtime, entity.key, None, now, hooks=hooks, via=rule.via)
    zone = ctx.zone()
    scope = ctx.eval_context()
    stored = load_values(ctx, entity, [row.record_id for row in rows])
    gone: list[int] = []
    stale: dict[int, datetime | None] = {}
    moves: list[dict[str, Any]] = []
    finished: dict[str, Any] = {}
    runs: list[RuleRun] = []
    for row in rows:
        values = stored.get(row.record_id)
        if values is None or values.get("deleted_at") is not None:
            gone.append(row.id)
            continue
        first = trigger.first_due(_named(row.record_id, values), scope)
        if first is None or trigger.due_after(first, row.fired, zone) != row.due_at:
            stale[row.record_id] = first
            continue
        occurrence = row.fired + 1
        following = trigger.due_after(first, occurrence, zone)
        skipped = 0
        while trigger.occurrences_left(occurrence) and following <= now and skipped < MAX_SKIPPED:
            occurrence += 1  # missed while no worker ran: they are not made up for
            skipped += 1
            following = trigger.due_after(first, occurrence, zone)
        if trigger.occurrences_left(occurrence):
            moves.append({"tid": row.id, "due": following, "n": occurrence})
        else:
            gone.append(row.id)
            finished[done_key(app_key, rule_key, row.record_id)] = {"due": first.isoformat()}
        runs.append(RuleRun(ctx, rule, entity, row.record_id, values, trigger=trigger.key))
    # The timers move first: an effect that changes the anchor sets the next one itself.
    if gone:
        conn.execute(delete(rule_timers).where(rule_timers.c.id.in_(gone)))
    if moves:
        conn.execute(
            update(rule_timers)
            .where(rule_timers.c.id == bindparam("tid"))
            .values(due_at=bindparam("due"), fired=bindparam("n")),
            moves,
        )
    put_states(conn, finished, now)
    if stale:
        reconcile(conn, app_key, rule, stale, zone)
        outcome.rescheduled += sum(1 for d in stale.values() if d is not None)
    outcome.dropped += len(gone) - len(finished)
    ok, errors = run_isolated(conn, rule, runs)
    outcome.fired += ok
    outcome.failed += len(errors)
    outcome.errors.extend(errors)


def run_isolated(
    conn: Connection, rule: CompiledRule, runs: Sequence[RuleRun]
) -> tuple[int, list[str]]:
    """Run the rule for each run in a savepoint of its own: one failure blocks no other.

    Answers how many ran and the errors of those that failed (each is in the
    run log already: ``run_rule`` notes it).
    """
    from engine.rules.subscriber import run_rule

    ok = 0
    errors: list[str] = []
    for run in runs:
        try:
            with conn.begin_nested():
                run_rule(rule, [run])
        except Exception as err:
            where = "" if run.record_id is None else f" #{run.record_id}"
            log.warning("rule %s/%s failed%s: %s", run.ctx.app.key, rule.key, where, err)
            errors.append(f"{rule.key}{where}: {err}")
        else:
            ok += 1
    return ok, errors


def apps_with_date_rules(conn: Connection, runtime_of: RuntimeOf) -> list[AppRuntime]:
    from engine.definition.versions import published_app_keys

    runtimes = [runtime_of(conn, key) for key in published_app_keys(conn)]
    return [r for r in runtimes if date_rules(r)]


__all__ = [
    "Fired",
    "apps_with_date_rules",
    "backfill",
    "date_rules",
    "done_key",
    "due_plan",
    "due_query",
    "fire_timers",
    "follow",
    "reconcile",
    "run_isolated",
]
