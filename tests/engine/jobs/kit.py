"""Test job kinds and an effects table: each run of a job appends a row, so runs can be counted."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, text

from engine.jobs import JobContext, JobKinds
from engine.store import Store
from engine.store.tables import jobs

EFFECTS_DDL = (
    "CREATE TABLE IF NOT EXISTS job_effects (job_id INTEGER NOT NULL, pid INTEGER NOT NULL)"
)


def create_effects(store: Store, tenant: str) -> None:
    with store.write(tenant) as conn:
        conn.execute(text(EFFECTS_DDL))


def append_effect(conn: Connection, job_id: int) -> None:
    conn.execute(
        text("INSERT INTO job_effects (job_id, pid) VALUES (:j, :p)"),
        {"j": job_id, "p": os.getpid()},
    )


def effects(store: Store, tenant: str) -> list[int]:
    with store.read(tenant) as conn:
        return sorted(conn.scalars(text("SELECT job_id FROM job_effects")))


def statuses(store: Store, tenant: str) -> dict[str, int]:
    with store.read(tenant) as conn:
        rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
    return {status: count for status, count in rows}


def make_kinds(started_dir: Path | None = None, slow_seconds: float = 0.0) -> JobKinds:
    """``test.effect`` appends in the runner's transaction; ``test.slow`` (leased)
    marks that it started, sleeps, then appends in a transaction of its own;
    ``test.fail`` always raises."""
    kinds = JobKinds()

    def effect(ctx: JobContext) -> None:
        append_effect(ctx.conn, ctx.job_id)

    def slow(ctx: JobContext) -> dict[str, Any]:
        if started_dir is not None:
            (started_dir / f"{ctx.job_id}-{os.getpid()}").touch()
        time.sleep(slow_seconds)
        with ctx.store.write(ctx.tenant) as conn:
            append_effect(conn, ctx.job_id)
        return {"pid": os.getpid()}

    def fail(ctx: JobContext) -> None:
        raise RuntimeError(f"boom on attempt {ctx.attempt}")

    kinds.register("test.effect", effect)
    kinds.register("test.slow", slow, transactional=False)
    kinds.register("test.fail", fail, max_attempts=3, backoff_seconds=0.05)
    return kinds
