"""The pool's automatic return as a job kind, run every 10 minutes by a schedule.

``register(kinds, runtime_of)`` is this engine's entry in the start-up list
of job kinds: the kind ``actions.pool_return`` runs ``run_pool_jobs`` for one
tenant (every pool with an ``auto_return`` of every app), and the schedule
of the same name enqueues it every 10 minutes in each tenant that has such a
pool, so stale leads go back to their pool without cron.

The kind is not transactional: a run is many batches, each its own
transaction (a long run holds no lock for long). Running it twice is
harmless: a returned record is no longer stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from engine.actions.stale import BATCH_SIZE, run_pool_jobs
from engine.definition.versions import published_app_keys
from engine.forms import NO_HOOKS, AppRuntime, Hooks
from engine.jobs import JobContext, JobKinds, Schedule

POOL_RETURN = "actions.pool_return"
#: Every 10 minutes; the time zone only matters for expressions naming hours.
POOL_RETURN_CRON = "*/10 * * * *"

#: The published runtime of an app: (connection, tenant, app key) → runtime.
RuntimeOf = Callable[[Connection, str, str], AppRuntime]


def has_returning_pools(runtime_of: RuntimeOf) -> Callable[[Connection, str], bool]:
    """Whether a tenant has a pool with an ``auto_return`` (the schedule applies)."""

    def applies(conn: Connection, tenant: str) -> bool:
        return any(
            pool.auto_return is not None
            for key in published_app_keys(conn)
            for pool in runtime_of(conn, tenant, key).definition.pools
        )

    return applies


def pool_return(
    runtime_of: RuntimeOf, hooks: Hooks = NO_HOOKS
) -> Callable[[JobContext], dict[str, Any]]:
    def handler(ctx: JobContext) -> dict[str, Any]:
        moment = ctx.payload.get("now")
        now = datetime.fromisoformat(moment) if isinstance(moment, str) else ctx.now

        @contextmanager
        def write() -> Iterator[Connection]:
            with ctx.store.write(ctx.tenant) as conn:
                yield conn

        runs = run_pool_jobs(
            write,
            lambda conn, key: runtime_of(conn, ctx.tenant, key),
            now,
            batch_size=int(ctx.payload.get("batch_size", BATCH_SIZE)),
            hooks=hooks,
        )
        return {"now": now.isoformat(), "pools": [run.to_json() for run in runs]}

    return handler


def register(kinds: JobKinds, runtime_of: RuntimeOf, hooks: Hooks = NO_HOOKS) -> None:
    """Register the pool-return kind and its 10-minute schedule; its writes carry ``hooks``."""
    handler = pool_return(runtime_of, hooks)
    kinds.register(POOL_RETURN, handler, transactional=False, max_attempts=3)
    kinds.schedule(
        Schedule(
            name=POOL_RETURN,
            kind=POOL_RETURN,
            cron=POOL_RETURN_CRON,
            applies=has_returning_pools(runtime_of),
        )
    )


__all__ = ["POOL_RETURN", "POOL_RETURN_CRON", "has_returning_pools", "pool_return", "register"]
