"""What an administrator sees of a tenant's jobs, and how a dead one is retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from engine.jobs.errors import JobNotFound, JobNotRetryable
from engine.jobs.outbox import DUE_MARK
from engine.store.tables import jobs

STATUSES = ("queued", "running", "done", "dead")


@dataclass(frozen=True)
class JobPage:
    items: list[dict[str, Any]]
    has_more: bool


def as_json(row: Any) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "payload": row.payload,
        "attempts": row.attempts,
        "max_attempts": row.max_attempts,
        "run_at": moment(row.run_at),
        "locked_by": row.locked_by,
        "lease_expires_at": moment(row.lease_expires_at),
        "last_error": row.last_error,
        "result": row.result,
        "dedupe_key": row.dedupe_key,
        "created_at": moment(row.created_at),
        "finished_at": moment(row.finished_at),
    }


def list_jobs(
    conn: Connection,
    *,
    status: str | None = None,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> JobPage:
    """Jobs newest first, optionally of one status and kind."""
    query = select(jobs).order_by(jobs.c.id.desc())
    if status is not None:
        query = query.where(jobs.c.status == status)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    rows = conn.execute(query.offset((page - 1) * page_size).limit(page_size + 1)).all()
    return JobPage([as_json(row) for row in rows[:page_size]], len(rows) > page_size)


def get_job(conn: Connection, job_id: int) -> dict[str, Any]:
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise JobNotFound(job_id)
    return as_json(row)


def retry(conn: Connection, job_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Queue a dead job again, with fresh attempts; its last error stays until it runs."""
    now = now or datetime.now(UTC)
    current = get_job(conn, job_id)
    if current["status"] != "dead":
        raise JobNotRetryable(job_id, current["status"])
    try:
        with conn.begin_nested():
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == "dead")
                .values(status="queued", attempts=0, run_at=now, finished_at=None)
            )
    except IntegrityError:
        raise JobNotRetryable(
            job_id,
            "dead",
            f"job {job_id} cannot be retried: a job with its dedupe key "
            f"{current['dedupe_key']!r} is already queued or running",
        ) from None
    mark = conn.info.get(DUE_MARK)
    if mark is None or now < mark:
        conn.info[DUE_MARK] = now
    return get_job(conn, job_id)


def prune_done(conn: Connection, finished_before: datetime) -> int:
    """Delete done jobs finished before ``finished_before``; dead ones stay until retried."""
    deleted = conn.execute(
        delete(jobs).where(jobs.c.status == "done", jobs.c.finished_at < finished_before)
    )
    return int(deleted.rowcount or 0)


__all__ = ["STATUSES", "JobPage", "as_json", "get_job", "list_jobs", "prune_done", "retry"]
