"""The rule engine's record-event subscriber: which rules an event starts, and running them.

For each event (``engine.forms.events``) the rules of its entity whose
trigger listens to it are run for each of its records, in the write's
transaction: the condition (``when``) first, then each effect for all the
records that passed, effect after effect (a bulk create of 1,000 leads is
one event; its welcome emails are queued in one statement). Writes of
effects go through the record service with ``ctx.caused_by(event)``: they
are validated, audited as caused by the rule, emit events of their own, and
stop at the kernel's depth cap.

Writes that load demo data (``loads_demo_data``) start no rule: their
timers follow, so the demo's dates remind as a real tenant's would.

If a condition or an effect fails, the run is noted for the log and a
``RuleFailed`` naming the rule and the effect propagates: the write that
triggered it rolls back with everything its rules did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import select

from engine.definition import SYSTEM_FIELDS
from engine.forms import (
    ActionRan,
    EntityRuntime,
    RecordDeleted,
    RecordEvent,
    RecordRestored,
    RecordsCreated,
    RecordUpdated,
    WriteContext,
    loads_demo_data,
)
from engine.rules.base import RuleRun
from engine.rules.compiled import CompiledRule, rulebook
from engine.rules.errors import RuleFailed
from engine.rules.runs import log_runs, note_failure

#: Event types the subscriber listens to (the date trigger's timers also follow them).
EVENTS: tuple[type[RecordEvent], ...] = (
    RecordsCreated,
    RecordUpdated,
    RecordDeleted,
    RecordRestored,
    ActionRan,
)


def load_values(
    ctx: WriteContext, entity: EntityRuntime, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """Stored values (Python values) and system columns of these records, by id.

    Deleted records too: a ``deleted`` rule reads the record it was about
    (``deleted_at`` says which are in the recycle bin).
    """
    table = entity.table
    columns = [table.c[k] for k in (*SYSTEM_FIELDS, "deleted_at")]
    columns += [table.c[b.key] for b in entity.stored]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 5_000):
        chunk = list(ids[start : start + 5_000])
        for row in ctx.conn.execute(select(*columns).where(table.c.id.in_(chunk))):
            found[row.id] = dict(row._mapping)
    return found


def query_time_values(
    ctx: WriteContext, entity: EntityRuntime, ids: Sequence[int], keys: Iterable[str]
) -> dict[int, dict[str, Any]]:
    """Roll-ups and lookups (computed by the database on read) of these records, by id.

    Read in the write's transaction, so a roll-up already counts the
    change that triggered the rule (a receipt just confirmed or deleted).
    """
    names = set(keys)
    # ``query_time`` holds the fields whose type computes them on read (roll-ups, lookups).
    wanted = [b for b in entity.query_time if b.key in names]
    if not wanted or not ids:
        return {}
    table = entity.table
    columns = [cast(Any, b.type).select_expression(b, entity, ctx.app).label(b.key) for b in wanted]
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 5_000):
        chunk = list(ids[start : start + 5_000])
        for row in ctx.conn.execute(select(table.c.id, *columns).where(table.c.id.in_(chunk))):
            found[row.id] = {b.key: row._mapping[b.key] for b in wanted}
    return found


def old_values(
    entity: EntityRuntime, current: Mapping[str, Any], before: Mapping[str, Any]
) -> dict[str, Any]:
    """The record before an update: its stored values with the changed ones put back.

    ``before`` holds the changed fields as the audit log writes them (JSON);
    each goes back to its stored form through its field type.
    """
    old = dict(current)
    for key, value in before.items():
        bound = entity.fields.get(key)
        if bound is None or not bound.type.stored:
            continue
        try:
            old[key] = None if value is None else bound.type.coerce(value, bound)
        except Exception:
            old[key] = value
    return old


def _truthy(value: Any) -> bool:
    return value is True or (value not in (None, False, 0, "") and bool(value))


def run_rule(rule: CompiledRule, runs: Sequence[RuleRun]) -> list[RuleRun]:
    """The condition, then every effect, for these runs; answers the runs that passed.

    Raises ``RuleFailed`` (after noting the failed run) on the first failure.
    """
    if not runs:
        return []
    ctx = runs[0].ctx
    passed: list[RuleRun] = []
    for run in runs:
        try:
            if rule.when is None or _truthy(run.evaluate(rule.when)):
                passed.append(run)
        except Exception as err:
            failed = RuleFailed(ctx.app.key, rule.key, None, None, err, label=rule.definition.label)
            note_failure(ctx.conn, run, str(failed), ctx.now)
            raise failed from err
    for effect in rule.effects:
        try:
            effect.run(passed)
        except RuleFailed as err:
            # A rule further down the chain failed: it is logged and named already.
            for run in passed:
                note_failure(ctx.conn, run, str(err), ctx.now)
            raise
        except Exception as err:
            failed = RuleFailed(
                ctx.app.key, rule.key, effect.index, effect.key, err, label=rule.definition.label
            )
            for run in passed:
                note_failure(ctx.conn, run, str(failed), ctx.now)
            raise failed from err
    log_runs(ctx.conn, passed, ctx.now)
    return passed


#: Connection info key: (rule, entity, record id) of records a rule is writing itself.
_SELF = "formwork.rules.self"


@contextmanager
def writing_itself(ctx: WriteContext, rule: str, entity: str, ids: Iterable[int]) -> Iterator[None]:
    """While a rule writes the very records it runs for (``set_fields``,
    ``assign``), their updates do not start that same rule again: a rule on
    ``updated`` that stamps its own record would otherwise restart itself
    until the depth cap. Another rule that leads back to it (A updates B
    updates A) still runs, and such a loop stops at the cap, named."""
    marks = {(rule, entity, record_id) for record_id in ids}
    held: set[tuple[str, str, int]] = ctx.conn.info.setdefault(_SELF, set())
    fresh = marks - held
    held |= fresh
    try:
        yield
    finally:
        held -= fresh


def _rows_of(
    ctx: WriteContext, entity: EntityRuntime, events: Sequence[RecordEvent]
) -> dict[int, dict[str, Any]]:
    """The stored values of the events' records: from the events when the
    writer put them there (a create, an update), else read in one query."""
    found: dict[int, dict[str, Any]] = {}
    missing: list[int] = []
    for event in events:
        if isinstance(event, RecordsCreated) and event.rows:
            for record_id, row in zip(event.ids, event.rows, strict=True):
                found[record_id] = {"deleted_at": None, **row}
        elif isinstance(event, RecordUpdated) and event.row is not None:
            found[event.record_id] = {"deleted_at": None, **event.row}
        else:
            missing.extend(event.record_ids)
    if missing:
        found.update(load_values(ctx, entity, missing))
    return found


def on_event(ctx: WriteContext, event: RecordEvent) -> None:
    """Run the rules one event starts."""
    on_events(ctx, (event,))


def on_events(ctx: WriteContext, events: Sequence[RecordEvent]) -> None:
    """Run the rules these events (of one type, from one write) start.

    Registered as a batch subscriber: a rule assigning 10,000 leads emits
    10,000 updates at once (``emit_many``) and they are run as one batch.
    """
    # The date rules' timers follow every write of their records, in its transaction.
    from engine.rules.timers import follow

    for event in events:
        follow(ctx, event)
    if loads_demo_data(ctx.cause):
        return
    book = rulebook(ctx.app)
    by_entity: dict[str, list[RecordEvent]] = {}
    for event in events:
        by_entity.setdefault(event.entity, []).append(event)
    held: set[tuple[str, str, int]] = ctx.conn.info.get(_SELF, set())
    for entity_key, batch in by_entity.items():
        listening = book.listening(entity_key, type(batch[0]))
        if not listening:
            continue
        entity = ctx.app.entities[entity_key]
        stored: dict[int, dict[str, Any]] | None = None
        for rule in listening:
            started = [
                e
                for e in batch
                if rule.trigger.matches(e)
                and not (held and all((rule.key, entity_key, i) in held for i in e.record_ids))
            ]
            if not started:
                continue
            if stored is None:
                stored = _rows_of(ctx, entity, batch)
            runs: list[RuleRun] = []
            for event in started:
                try:
                    child = ctx.caused_by(event, entity_key, via=rule.via)
                except Exception as err:
                    failed = RuleFailed(
                        ctx.app.key, rule.key, None, None, err, label=rule.definition.label
                    )
                    for run in _runs(ctx, rule, entity, event, stored):
                        note_failure(ctx.conn, run, str(failed), ctx.now)
                    raise failed from err
                runs.extend(_runs(child, rule, entity, event, stored))
            run_rule(rule, runs)


def _runs(
    ctx: WriteContext,
    rule: CompiledRule,
    entity: EntityRuntime,
    event: RecordEvent,
    stored: Mapping[int, dict[str, Any]],
) -> Iterable[RuleRun]:
    before = event.before if isinstance(event, RecordUpdated) else None
    for record_id in event.record_ids:
        values = stored.get(record_id)
        if values is None:  # gone within the same transaction (purged)
            continue
        old = old_values(entity, values, before) if before is not None else None
        yield RuleRun(ctx, rule, entity, record_id, values, old, event, rule.trigger.key)


__all__ = [
    "EVENTS",
    "load_values",
    "old_values",
    "on_event",
    "on_events",
    "query_time_values",
    "run_rule",
    "writing_itself",
]
