"""The transactional outbox: ``enqueue`` writes a job row in the caller's transaction.

Work a write asks for (a webhook, an e-mail, a print, a reminder) is a row in
the tenant's ``jobs`` table, inserted by the same transaction as the write,
so it commits or rolls back with it: nothing enqueued is lost if the process
dies after the commit, and nothing is enqueued by a write that failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.store.bulk import insert_many
from engine.store.tables import jobs

#: Runs of a job before it is parked as dead, unless its kind says otherwise.
DEFAULT_MAX_ATTEMPTS = 5

#: ``conn.info`` key: the earliest ``run_at`` this transaction enqueued, read
#: after the commit to raise the catalogue's hint (engine/jobs/due.py).
DUE_MARK = "formwork.jobs.due_at"

#: Statuses of jobs that are not finished: a dedupe key is unique among them.
UNFINISHED = ("queued", "running")


_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _statement(dialect: str, dedupe: bool) -> Any:
    """The INSERT, built once per dialect: an enqueue inside a bulk write is on its hot path."""
    statement = _STATEMENTS.get((dialect, dedupe))
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        built = insert(jobs)
        if dedupe:
            built = built.on_conflict_do_nothing()
        statement = _STATEMENTS[(dialect, dedupe)] = built.returning(jobs.c.id)
    return statement


def enqueue(
    conn: Connection,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: datetime | None = None,
) -> int | None:
    """Queue a job of ``kind`` in ``conn``'s transaction; its id, or None for a duplicate.

    ``run_at`` delays it (default: now). ``dedupe_key`` makes it unique among
    unfinished jobs: enqueueing the same key again while the first is queued
    or running does nothing and answers None. The kind is not checked here
    (``JobKinds.enqueue`` checks it); a job of an unknown kind is parked as
    dead with an ``UnknownJobKind`` error when it comes due.
    """
    now = now or datetime.now(UTC)
    due = run_at or now
    values = {
        "kind": kind,
        "payload": dict(payload or {}),
        "status": "queued",
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": due,
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    job_id = conn.scalar(_statement(conn.dialect.name, dedupe_key is not None), values)
    if job_id is None:
        return None
    mark = conn.info.get(DUE_MARK)
    if mark is None or due < mark:
        conn.info[DUE_MARK] = due
    return int(job_id)


def enqueue_many(
    conn: Connection,
    kind: str,
    payloads: Sequence[Mapping[str, Any]],
    *,
    run_at: datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: datetime | None = None,
) -> int:
    """Queue one job of ``kind`` per payload in one statement (a bulk write's jobs); how many.

    No dedupe keys here: jobs that need one go through ``enqueue``.
    """
    if not payloads:
        return 0
    now = now or datetime.now(UTC)
    due = run_at or now
    rows = [
        {
            "kind": kind,
            "payload": dict(payload),
            "status": "queued",
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_at": due,
            "dedupe_key": None,
            "created_at": now,
        }
        for payload in payloads
    ]
    # The driver's executemany (COPY on PostgreSQL): a bulk write's jobs are
    # on its hot path, and SQLAlchemy's per-row conversion costs more than the insert.
    insert_many(conn, jobs, rows)
    mark = conn.info.get(DUE_MARK)
    if mark is None or due < mark:
        conn.info[DUE_MARK] = due
    return len(rows)


__all__ = ["DEFAULT_MAX_ATTEMPTS", "DUE_MARK", "UNFINISHED", "enqueue", "enqueue_many"]
