"""Which tenants may have due work: a hint in the catalogue, the truth in the tenants.

A worker must not poll every tenant's schema every second. The catalogue's
``due_tenants`` row of a tenant says when it next has something to do:

* **Raised after an enqueue commits.** ``enqueue`` runs in the tenant's
  transaction, and the catalogue is another database (SQLite) or schema
  (PostgreSQL), so the two cannot commit together. ``attach(store)`` hooks
  ``Store.write``: after a tenant transaction that enqueued commits, the
  hint is lowered to the earliest new ``run_at`` (never raised later) and
  its ``version`` bumped. A crash between the two commits loses only the
  hint, not the job.
* **Lowered by a worker** after it drained a tenant, to the tenant's next due
  time read from its tables (queued jobs, leases of running jobs, schedules),
  but only if ``version`` did not move meanwhile: an enqueue that raced the
  worker keeps the tenant due.
* **Rebuilt by a sweep** (every ``sweep_seconds``, and when a worker starts):
  every tenant's next due time is read from its tables. This bounds the
  delay of any job whose hint was lost, and syncs the schedules.

So the index only makes work faster to find; correctness comes from the
tenant tables, and a stale or missing hint delays a job by at most one sweep.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.jobs.outbox import DUE_MARK, UNFINISHED
from engine.store import Store
from engine.store.tables import due_tenants, job_schedules, jobs

log = logging.getLogger("formwork.jobs")


def raise_hint(catalog: Engine, tenant: str, due_at: datetime) -> None:
    """The tenant has work at ``due_at`` (or earlier, if the hint already says so)."""
    now = datetime.now(UTC)
    insert = pg_insert if catalog.dialect.name == "postgresql" else sqlite_insert
    statement = insert(due_tenants).values(tenant=tenant, due_at=due_at, version=1, updated_at=now)
    current = due_tenants.c.due_at
    statement = statement.on_conflict_do_update(
        index_elements=[due_tenants.c.tenant],
        set_={
            "due_at": case(
                (current.is_(None), statement.excluded.due_at),
                (current > statement.excluded.due_at, statement.excluded.due_at),
                else_=current,
            ),
            "version": due_tenants.c.version + 1,
            "updated_at": now,
        },
    )
    with catalog.begin() as conn:
        conn.execute(statement)


def version(catalog: Engine, tenant: str) -> int:
    with catalog.connect() as conn:
        found = conn.scalar(select(due_tenants.c.version).where(due_tenants.c.tenant == tenant))
    return int(found or 0)


def lower_hint(catalog: Engine, tenant: str, due_at: datetime | None, seen: int) -> bool:
    """Set the tenant's next due time unless an enqueue moved ``version`` past ``seen``."""
    now = datetime.now(UTC)
    with catalog.begin() as conn:
        if _set(conn, tenant, due_at, seen, now):
            return True
        if seen != 0:
            return False
        insert = pg_insert if catalog.dialect.name == "postgresql" else sqlite_insert
        row = {"tenant": tenant, "due_at": due_at, "version": 0, "updated_at": now}
        statement = insert(due_tenants).values(**row).on_conflict_do_nothing()
        return conn.execute(statement.returning(due_tenants.c.tenant)).first() is not None


def _set(conn: Connection, tenant: str, due_at: datetime | None, seen: int, now: datetime) -> bool:
    changed = conn.execute(
        update(due_tenants)
        .where(due_tenants.c.tenant == tenant, due_tenants.c.version == seen)
        .values(due_at=due_at, updated_at=now)
        .returning(due_tenants.c.tenant)
    ).first()
    return changed is not None


def set_hint(catalog: Engine, tenant: str, due_at: datetime | None, seen: int) -> None:
    """Overwrite the hint (the sweep, which read the tenant's tables just now).

    ``seen`` is the hint's version read *before* the tables were: an enqueue
    that committed after that read bumped the version, so its hint stands (it
    is at least as early). Reading the version here instead would let a sweep
    that saw no job erase the hint of one enqueued a moment later, and the job
    would wait for the next sweep. When the version did move (an enqueue, or
    the sweep's own schedule sync), the hint is still brought forward to
    ``due_at`` if that is earlier: a sweep repairs a lost hint either way.
    """
    if not lower_hint(catalog, tenant, due_at, seen) and due_at is not None:
        raise_hint(catalog, tenant, due_at)


def forget(catalog: Engine, tenant: str) -> None:
    with catalog.begin() as conn:
        conn.execute(delete(due_tenants).where(due_tenants.c.tenant == tenant))


def due_now(catalog: Engine, now: datetime, limit: int = 100) -> list[str]:
    """Tenants whose hint says they have work by ``now``, the most overdue first."""
    with catalog.connect() as conn:
        return list(
            conn.scalars(
                select(due_tenants.c.tenant)
                .where(due_tenants.c.due_at <= now)
                .order_by(due_tenants.c.due_at)
                .limit(limit)
            )
        )


def next_due(conn: Connection) -> datetime | None:
    """When the tenant next has work, from its own tables (the truth)."""
    job = conn.scalar(select(func.min(jobs.c.run_at)).where(jobs.c.status.in_(UNFINISHED)))
    schedule = conn.scalar(select(func.min(job_schedules.c.next_run_at)))
    found = [moment for moment in (job, schedule) if moment is not None]
    return min(found) if found else None


def attach(store: Store) -> None:
    """Raise the hint after every ``store.write`` transaction that enqueued (idempotent)."""
    if _after_write in store.after_write:
        return
    store.after_write.append(_after_write)


def _after_write(store: Store, tenant: str, conn: Connection, committed: bool) -> None:
    due_at = conn.info.pop(DUE_MARK, None)
    if committed and due_at is not None:
        try:
            raise_hint(store.catalog, tenant, due_at)
        except Exception:  # the write committed: a lost hint only waits for the sweep
            log.warning("could not raise the due-work hint of tenant %s", tenant, exc_info=True)


__all__ = [
    "attach",
    "due_now",
    "forget",
    "lower_hint",
    "next_due",
    "raise_hint",
    "set_hint",
    "version",
]
