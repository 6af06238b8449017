"""The rule engine's clock: two job kinds ticking every minute.

* ``rules.timers`` backfills the timers of a newly published version's date
  rules (``engine.rules.timers.backfill``) and fires the due timers
  (``fire_timers``);
* ``rules.schedules`` runs each schedule rule whose cron tick has passed since
  its last run, over the records its filter selects (or once).

``register(kinds, runtime_of, hooks)`` is this engine's entry in the
start-up list of job kinds; each schedule applies only to tenants that have
such rules. Both kinds are non-transactional: a run is many batches, each
its own transaction, and running one twice is harmless (a fired timer is
gone or moved; a schedule's tick is claimed by a conditional update, so two
workers run it once).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.definition.versions import published_app_keys
from engine.forms import (
    NO_HOOKS,
    AppRuntime,
    Hooks,
    ListQuery,
    ReadContext,
    WriteContext,
    list_records,
)
from engine.forms import parse_filter as parse_records_filter
from engine.jobs import JobContext, JobKinds, Schedule
from engine.jobs.schedules import next_tick
from engine.rules.base import RuleRun
from engine.rules.compiled import CompiledRule, rulebook
from engine.rules.timers import (
    RuntimeOf,
    Write,
    apps_with_date_rules,
    backfill,
    fire_timers,
    run_isolated,
)
from engine.rules.triggers.schedule import ScheduleTrigger
from engine.store.tables import rule_state
from engine.tenancy import tenant_timezone

TIMERS = "rules.timers"
SCHEDULES = "rules.schedules"
EVERY_MINUTE = "* * * * *"
#: Records one schedule run goes over, at most.
MAX_SCHEDULED_RECORDS = 100_000
#: Missed ticks looked through to find the latest (a week of minutes and more).
MAX_COALESCED = 20_000
#: Records per transaction of a schedule run.
SCHEDULE_BATCH = 500

#: (connection, tenant, app key) → the published runtime.
TenantRuntimeOf = Callable[[Connection, str, str], AppRuntime]


def _writer(ctx: JobContext) -> Write:
    @contextmanager
    def write() -> Iterator[Connection]:
        with ctx.store.write(ctx.tenant) as conn:
            yield conn

    return write


def _now(ctx: JobContext) -> datetime:
    moment = ctx.payload.get("now")
    return datetime.fromisoformat(moment) if isinstance(moment, str) else ctx.now


# -- date timers --------------------------------------------------------------------
def tick_timers(
    write: Write, runtime_of: RuntimeOf, now: datetime, hooks: Hooks = NO_HOOKS
) -> dict[str, Any]:
    """One minute's work of the date rules of one tenant: backfill, then fire."""
    with write() as conn:
        keys = [r.key for r in apps_with_date_rules(conn, runtime_of)]
    backfilled = {key: backfill(write, runtime_of, key, now) for key in keys}
    fired = fire_timers(write, runtime_of, now, hooks=hooks)
    return {"now": now.isoformat(), "backfilled": backfilled, **fired.to_json()}


# -- schedule rules -----------------------------------------------------------------
def state_key(app: str, rule: str) -> str:
    return f"sched:{app}/{rule}"


def _latest_tick(cron: str, zone: str, after: datetime, now: datetime) -> datetime | None:
    """The last tick of ``cron`` after ``after`` and at or before ``now`` (missed ones coalesce)."""
    tick = next_tick(cron, zone, after)
    if tick > now:
        return None
    for _ in range(MAX_COALESCED):
        following = next_tick(cron, zone, tick)
        if following > now:
            break
        tick = following
    return tick


def claim_tick(conn: Connection, app: str, rule: CompiledRule, now: datetime) -> datetime | None:
    """The tick this worker runs now, if one passed since the rule's last run.

    A rule seen for the first time starts counting from now. The tick is
    claimed by a conditional update of its ``rule_state`` row (``updated_at``
    holds the last tick): of two workers, one changes the row and runs it.
    """
    assert isinstance(rule.trigger, ScheduleTrigger)
    settings = rule.trigger.settings
    zone = settings.timezone or tenant_timezone(conn).key
    key = state_key(app, rule.key)
    last = conn.scalar(select(rule_state.c.updated_at).where(rule_state.c.key == key))
    if last is None:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            insert(rule_state)
            .values(key=key, value={"tick": None}, updated_at=now)
            .on_conflict_do_nothing(index_elements=[rule_state.c.key])
        )
        return None
    tick = _latest_tick(settings.cron, zone, last, now)
    if tick is None:
        return None
    won = conn.execute(
        update(rule_state)
        .where(rule_state.c.key == key, rule_state.c.updated_at == last)
        .values(value={"tick": tick.isoformat()}, updated_at=tick)
    )
    return tick if won.rowcount == 1 else None


@dataclass
class ScheduleRun:
    app: str
    rule: str
    tick: str
    ran: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "rule": self.rule,
            "tick": self.tick,
            "ran": self.ran,
            "failed": len(self.errors),
            "errors": self.errors[:20],
        }


def run_schedules(
    write: Write, runtime_of: RuntimeOf, now: datetime, hooks: Hooks = NO_HOOKS
) -> list[ScheduleRun]:
    """Run every schedule rule of the tenant whose tick has come."""
    with write() as conn:
        todo = [
            (runtime.key, rule)
            for key in published_app_keys(conn)
            for runtime in [runtime_of(conn, key)]
            for rule in rulebook(runtime).clocked(ScheduleTrigger.key)
        ]
    runs = []
    for app_key, rule in todo:
        with write() as conn:
            tick = claim_tick(conn, app_key, rule, now)
        if tick is not None:
            runs.append(_run_schedule(write, runtime_of, app_key, rule, tick, now, hooks))
    return runs


def _run_schedule(
    write: Write,
    runtime_of: RuntimeOf,
    app_key: str,
    rule: CompiledRule,
    tick: datetime,
    now: datetime,
    hooks: Hooks,
) -> ScheduleRun:
    assert isinstance(rule.trigger, ScheduleTrigger)
    settings = rule.trigger.settings
    outcome = ScheduleRun(app_key, rule.key, tick.isoformat())
    if settings.once:
        with write() as conn:
            runtime = runtime_of(conn, app_key)
            ctx = WriteContext(conn, runtime, rule.entity, None, now, hooks=hooks, via=rule.via)
            run = RuleRun(ctx, rule, runtime.entities[rule.entity], None, {}, trigger="schedule")
            ok, errors = run_isolated(conn, rule, [run])
        outcome.ran += ok
        outcome.errors += errors
        return outcome
    with write() as conn:
        # Only a read: the records are chosen before any run writes.
        ids = _selected(ReadContext(conn, runtime_of(conn, app_key), rule.entity), rule)
    from engine.rules.subscriber import load_values

    for start in range(0, len(ids), SCHEDULE_BATCH):
        with write() as conn:
            runtime = runtime_of(conn, app_key)
            entity = runtime.entities[rule.entity]
            ctx = WriteContext(conn, runtime, entity.key, None, now, hooks=hooks, via=rule.via)
            stored = load_values(ctx, entity, ids[start : start + SCHEDULE_BATCH])
            batch = [
                RuleRun(ctx, rule, entity, record_id, values, trigger="schedule")
                for record_id, values in sorted(stored.items())
                if values.get("deleted_at") is None
            ]
            ok, errors = run_isolated(conn, rule, batch)
        outcome.ran += ok
        outcome.errors += errors
    return outcome


def _selected(ctx: ReadContext, rule: CompiledRule) -> list[int]:
    """The ids of the live records the rule's filter selects, taken before any runs."""
    assert isinstance(rule.trigger, ScheduleTrigger)
    raw = rule.trigger.settings.filter
    tree = None if raw is None else parse_records_filter(json.dumps(raw))
    entity = ctx.app.entities[rule.entity]
    ids: list[int] = []
    page = 1
    while len(ids) < MAX_SCHEDULED_RECORDS:
        query = ListQuery(
            page=page, page_size=SCHEDULE_BATCH, sort=["id"], filter=tree, with_total=False
        )
        items = list_records(ctx, entity, query)["items"]
        ids.extend(int(item["id"]) for item in items)
        if len(items) < SCHEDULE_BATCH:
            break
        page += 1
    return ids[:MAX_SCHEDULED_RECORDS]


# -- registration -------------------------------------------------------------------
def _has(runtime_of: TenantRuntimeOf, trigger_key: str) -> Callable[[Connection, str], bool]:
    def applies(conn: Connection, tenant: str) -> bool:
        return any(
            rulebook(runtime_of(conn, tenant, key)).clocked(trigger_key)
            for key in published_app_keys(conn)
        )

    return applies


def register(kinds: JobKinds, runtime_of: TenantRuntimeOf, hooks: Hooks = NO_HOOKS) -> None:
    """Register both kinds and their minute schedules; their writes carry ``hooks``."""

    def timers(ctx: JobContext) -> dict[str, Any]:
        return tick_timers(
            _writer(ctx), lambda c, k: runtime_of(c, ctx.tenant, k), _now(ctx), hooks
        )

    def schedules(ctx: JobContext) -> dict[str, Any]:
        runs = run_schedules(
            _writer(ctx), lambda c, k: runtime_of(c, ctx.tenant, k), _now(ctx), hooks
        )
        return {"now": _now(ctx).isoformat(), "rules": [run.to_json() for run in runs]}

    kinds.register(TIMERS, timers, transactional=False, max_attempts=3)
    kinds.register(SCHEDULES, schedules, transactional=False, max_attempts=3)
    kinds.schedule(
        Schedule(name=TIMERS, kind=TIMERS, cron=EVERY_MINUTE, applies=_has(runtime_of, "date"))
    )
    kinds.schedule(
        Schedule(
            name=SCHEDULES,
            kind=SCHEDULES,
            cron=EVERY_MINUTE,
            applies=_has(runtime_of, ScheduleTrigger.key),
        )
    )


__all__ = [
    "SCHEDULES",
    "TIMERS",
    "ScheduleRun",
    "claim_tick",
    "register",
    "run_schedules",
    "tick_timers",
]
