"""Periodic schedules: cron expressions with a time zone, one job per tick.

Registered schedules (``JobKinds.schedule``) are synced into the tenant's
``job_schedules`` table, where each row keeps its ``next_run_at``. Firing a
due row is a conditional update (``SET next_run_at = <next tick> WHERE
next_run_at = <this tick>``) and the enqueue, in one transaction: of several
workers looking at the same tick, one changes the row and enqueues, the
others change nothing (PostgreSQL re-checks the condition after the first
commits). The job's dedupe key, ``schedule:<name>:<tick>``, is a second
guard. Ticks missed while no worker ran are coalesced into one job.

Rows whose name no registered schedule has are left alone: other engines
may store schedules of their own (a rule's time trigger) in the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy import Connection, delete, insert, select, update

from engine.jobs.outbox import enqueue
from engine.store.tables import job_schedules
from engine.tenancy import tenant_timezone

#: ``Schedule.timezone`` of a schedule that ticks on each tenant's own wall clock.
TENANT_ZONE = "tenant"


@dataclass(frozen=True)
class Schedule:
    """Enqueue ``kind`` with ``payload`` at every tick of ``cron`` in ``timezone``.

    ``applies(conn, tenant)`` decides per tenant whether the schedule is wanted there (e.g.
    only tenants with a pool that returns records); it is asked whenever the
    worker syncs schedules (at start and at every sweep).
    """

    name: str
    kind: str
    cron: str
    #: An IANA zone, or ``TENANT_ZONE``: each tenant's own (``engine.tenancy``).
    timezone: str = "UTC"
    payload: Mapping[str, Any] = field(default_factory=dict)
    applies: Callable[[Connection, str], bool] | None = None


def check_cron(cron: str, timezone: str) -> None:
    """ValueError unless ``cron`` is a valid expression and ``timezone`` a known zone."""
    if not croniter.is_valid(cron):
        raise ValueError(f"{cron!r} is not a valid cron expression")
    if timezone == TENANT_ZONE:
        return
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{timezone!r} is not a known time zone") from None


def next_tick(cron: str, timezone: str, after: datetime) -> datetime:
    """The first tick of ``cron`` in ``timezone`` strictly after ``after``, in UTC."""
    local = after.astimezone(ZoneInfo(timezone))
    tick: datetime = croniter(cron, local).get_next(datetime)
    return tick.astimezone(UTC)


def sync(conn: Connection, tenant: str, schedules: Iterable[Schedule], now: datetime) -> None:
    """Make the tenant's rows match the registered schedules that apply to it."""
    existing = {row.name: row for row in conn.execute(select(job_schedules))}
    for schedule in schedules:
        wanted = schedule.applies is None or schedule.applies(conn, tenant)
        row = existing.get(schedule.name)
        if not wanted:
            if row is not None:
                conn.execute(delete(job_schedules).where(job_schedules.c.name == schedule.name))
            continue
        # The tenant's zone is resolved here, so a changed setting takes effect at the next sync.
        zone = tenant_timezone(conn).key if schedule.timezone == TENANT_ZONE else schedule.timezone
        values = {
            "kind": schedule.kind,
            "cron": schedule.cron,
            "timezone": zone,
            "payload": dict(schedule.payload),
        }
        if row is None:
            first = next_tick(schedule.cron, zone, now)
            conn.execute(
                insert(job_schedules).values(name=schedule.name, next_run_at=first, **values)
            )
        elif any(getattr(row, key) != value for key, value in values.items()):
            first = next_tick(schedule.cron, zone, now)
            conn.execute(
                update(job_schedules)
                .where(job_schedules.c.name == schedule.name)
                .values(next_run_at=first, **values)
            )


def fire_due(conn: Connection, now: datetime) -> list[int]:
    """Enqueue one job for each schedule whose tick has come; the jobs' ids."""
    due = conn.execute(
        select(job_schedules)
        .where(job_schedules.c.next_run_at <= now)
        .order_by(job_schedules.c.name)
    ).all()
    fired = []
    for row in due:
        following = next_tick(row.cron, row.timezone, now)
        won = conn.execute(
            update(job_schedules)
            .where(
                job_schedules.c.name == row.name,
                job_schedules.c.next_run_at == row.next_run_at,
            )
            .values(next_run_at=following, last_run_at=row.next_run_at)
            .returning(job_schedules.c.name)
        ).first()
        if won is None:
            continue  # another worker fired this tick
        tick = row.next_run_at.astimezone(UTC).isoformat()
        payload = {**row.payload, "tick": tick}
        key = f"schedule:{row.name}:{tick}"
        job_id = enqueue(conn, row.kind, payload, run_at=row.next_run_at, dedupe_key=key, now=now)
        if job_id is not None:
            fired.append(job_id)
    return fired


__all__ = ["TENANT_ZONE", "Schedule", "check_cron", "fire_due", "next_tick", "sync"]
