"""Claiming, running and finishing jobs: one batch of one tenant.

``run_batch`` is one step of a worker: in one write transaction it fires the
due schedules, claims up to ``batch_size`` due jobs and runs the
transactional ones (a savepoint each once one fails), marking them done or
failed in the same transaction; then it runs the non-transactional ones outside any
transaction, each finished in a short transaction of its own.

Claiming is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
LIMIT n) RETURNING …``: on PostgreSQL any number of workers claim disjoint
batches without waiting on each other; on SQLite the statement runs under
the database's single writer lock and one dispatcher per data directory
claims (engine/jobs/worker.py).

A claimed job is ``running`` with a lease (``lease_expires_at``, equal to
its ``run_at`` while running). If its worker dies, the transaction of a
transactional job rolls back (so the job is queued again at once); a
non-transactional job stays ``running`` until its lease expires and is then
claimed again like a due job. A job that fails is queued again after an
exponential backoff with jitter, and parked as ``dead`` with its last error
once it has used ``max_attempts``; it never holds back the jobs behind it.
"""

from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from engine.jobs import schedules
from engine.jobs.errors import UnknownJobKind
from engine.jobs.kinds import JobContext, JobKind, JobKinds
from engine.jobs.outbox import UNFINISHED
from engine.store import Store
from engine.store.tables import jobs

log = logging.getLogger("formwork.jobs")

#: Characters of an error kept in ``last_error``.
ERROR_CHARS = 4000


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


@dataclass
class BatchOutcome:
    claimed: int = 0
    done: int = 0
    failed: int = 0


def claim(
    conn: Connection, holder: str, limit: int, lease: timedelta, now: datetime
) -> list[Claimed]:
    """Claim up to ``limit`` due jobs (queued and due, or running with an expired lease)."""
    expires = now + lease
    due = (
        select(jobs.c.id)
        .where(jobs.c.status.in_(UNFINISHED), jobs.c.run_at <= now)
        .order_by(jobs.c.run_at, jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = conn.execute(
        update(jobs)
        .where(jobs.c.id.in_(due.scalar_subquery()))
        .values(
            status="running",
            attempts=jobs.c.attempts + 1,
            locked_by=holder,
            run_at=expires,
            lease_expires_at=expires,
        )
        .returning(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.max_attempts)
    ).all()
    claimed = sorted((Claimed(*row) for row in rows), key=lambda job: job.id)
    # A job whose worker died on its last attempt: its lease expired, its attempts are spent.
    spent = [job for job in claimed if job.attempts > job.max_attempts]
    for job in spent:
        _bury(conn, job.id, holder, "the worker running it stopped (its lease expired)", now)
    return [job for job in claimed if job.attempts <= job.max_attempts]


def backoff(kind: JobKind, attempts: int) -> timedelta:
    """Exponential, capped, with jitter: between half and all of base·2^(attempts−1)."""
    delay = min(kind.max_backoff_seconds, kind.backoff_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (0.5 + random.random() / 2))


def describe(err: BaseException) -> str:
    text = "".join(traceback.format_exception_only(err)).strip()
    return text[-ERROR_CHARS:]


def _complete(conn: Connection, job_id: int, holder: str, result: Any, now: datetime) -> bool:
    finished = conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.locked_by == holder, jobs.c.status == "running")
        .values(
            status="done",
            finished_at=now,
            locked_by=None,
            lease_expires_at=None,
            result=result,
        )
        .returning(jobs.c.id)
    ).first()
    return finished is not None


def _complete_many(conn: Connection, ids: list[int], holder: str, now: datetime) -> None:
    if ids:
        conn.execute(
            update(jobs)
            .where(jobs.c.id.in_(ids), jobs.c.locked_by == holder)
            .values(status="done", finished_at=now, locked_by=None, lease_expires_at=None)
        )


def _fail(
    conn: Connection, job: Claimed, kind: JobKind, holder: str, error: str, now: datetime
) -> None:
    if job.attempts >= job.max_attempts:
        _bury(conn, job.id, holder, error, now)
        return
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.locked_by == holder)
        .values(
            status="queued",
            run_at=now + backoff(kind, job.attempts),
            locked_by=None,
            lease_expires_at=None,
            last_error=error,
        )
    )


def _bury(conn: Connection, job_id: int, holder: str, error: str, now: datetime) -> None:
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.locked_by == holder)
        .values(
            status="dead",
            finished_at=now,
            locked_by=None,
            lease_expires_at=None,
            last_error=error,
        )
    )


class _Retry(Exception):
    """A handler failed in the fast pass: roll the batch back, run it again with savepoints."""


def run_batch(
    store: Store,
    kinds: JobKinds,
    tenant: str,
    *,
    holder: str,
    batch_size: int = 100,
    lease: timedelta = timedelta(seconds=300),
    now: datetime | None = None,
) -> BatchOutcome:
    """Fire due schedules, then claim and run one batch of ``tenant``'s due jobs.

    Transactional handlers first run without savepoints (one round trip
    fewer per job each way); if one raises, the whole batch rolls back -
    claims and effects alike - and runs again with a savepoint per job, so
    the failing job is retried or parked alone and the others still run.
    """
    now = now or datetime.now(UTC)
    try:
        outcome, outside = _run_in_transaction(
            store, kinds, tenant, holder, batch_size, lease, now, careful=False
        )
    except _Retry:
        outcome, outside = _run_in_transaction(
            store, kinds, tenant, holder, batch_size, lease, now, careful=True
        )
    for job, kind in outside:
        started = datetime.now(UTC)
        try:
            result = kind.handler(_context(store, tenant, job, started, None))
        except Exception as err:
            log.info("job %s (%s) of %s failed: %s", job.id, job.kind, tenant, err)
            with store.write(tenant) as conn:
                _fail(conn, job, kind, holder, describe(err), datetime.now(UTC))
            outcome.failed += 1
            continue
        with store.write(tenant) as conn:
            if not _complete(conn, job.id, holder, result, datetime.now(UTC)):
                log.warning("job %s of %s outlived its lease; it may run again", job.id, tenant)
        outcome.done += 1
    return outcome


def _run_in_transaction(
    store: Store,
    kinds: JobKinds,
    tenant: str,
    holder: str,
    batch_size: int,
    lease: timedelta,
    now: datetime,
    *,
    careful: bool,
) -> tuple[BatchOutcome, list[tuple[Claimed, JobKind]]]:
    outcome = BatchOutcome()
    outside: list[tuple[Claimed, JobKind]] = []
    with store.write(tenant) as conn:
        schedules.fire_due(conn, now)
        claimed = claim(conn, holder, batch_size, lease, now)
        outcome.claimed = len(claimed)
        done: list[int] = []
        for job in claimed:
            try:
                kind = kinds.get(job.kind)
            except UnknownJobKind as err:
                _bury(conn, job.id, holder, describe(err), now)
                outcome.failed += 1
                continue
            if not kind.transactional:
                outside.append((job, kind))
                continue
            context = _context(store, tenant, job, now, conn)
            try:
                if careful:
                    with conn.begin_nested():
                        result = kind.handler(context)
                else:
                    result = kind.handler(context)
            except Exception as err:
                if not careful:
                    raise _Retry from err
                log.info("job %s (%s) of %s failed: %s", job.id, job.kind, tenant, err)
                _fail(conn, job, kind, holder, describe(err), now)
                outcome.failed += 1
                continue
            if result is None:
                done.append(job.id)
            else:
                _complete(conn, job.id, holder, result, now)
            outcome.done += 1
        _complete_many(conn, done, holder, now)
    return outcome, outside


def _context(
    store: Store, tenant: str, job: Claimed, now: datetime, conn: Connection | None
) -> JobContext:
    return JobContext(
        store=store,
        tenant=tenant,
        job_id=job.id,
        kind=job.kind,
        payload=dict(job.payload),
        attempt=job.attempts,
        now=now,
        _conn=conn,
    )


def run_until_idle(
    store: Store,
    kinds: JobKinds,
    tenant: str,
    *,
    holder: str,
    batch_size: int = 100,
    lease: timedelta = timedelta(seconds=300),
    max_batches: int = 1000,
) -> int:
    """Run ``tenant``'s due jobs batch after batch until none is due; how many ran."""
    ran = 0
    for _ in range(max_batches):
        outcome = run_batch(store, kinds, tenant, holder=holder, batch_size=batch_size, lease=lease)
        ran += outcome.claimed
        if outcome.claimed == 0:
            break
    return ran


__all__ = ["BatchOutcome", "Claimed", "backoff", "claim", "run_batch", "run_until_idle"]
