"""The pool's automatic return: records nobody followed up for N days go back.

``return_stale`` returns one bounded batch of one pool, as the system (no
user: the audit says nobody did it by hand); ``run_pool_jobs`` runs every
pool with an ``auto_return`` of every app of a tenant, batch after batch,
each batch its own transaction. The job kind ``actions.pool_return``
(engine/actions/jobs.py) calls it every 10 minutes.

A record is stale when it is owned, open (``open_when``), matches
``auto_return.when`` and the latest of its non-blank ``since`` fields is at
least ``after_days`` old (a date field: ``after_days`` calendar days in the
tenant's time zone): a lead claimed today is not stale because its last
follow-up, under its previous owner, was a month ago. A record with all of
them blank is never stale: list ``created_at`` too to make it so.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from engine.actions.base import write_record
from engine.actions.context import ActionContext
from engine.actions.pools import Pool, condition_sql, entering_values, pool
from engine.actions.runner import load_record
from engine.definition import AutoReturn
from engine.expressions import EvalContext
from engine.forms import (
    NO_HOOKS,
    VIA_POOL_AUTO_RETURN,
    ActionRan,
    AppRuntime,
    Hooks,
    RecordInvalid,
    StaleVersion,
    emit,
)
from engine.store.tables import apps

#: Records returned per batch (one transaction each).
BATCH_SIZE = 500
#: Batches per pool per run: a run ends even if records keep going stale.
MAX_BATCHES = 200


@dataclass
class StaleReturn:
    """What one batch did."""

    returned: list[int] = field(default_factory=list)
    #: Records that could not be written (their data is invalid now), with why.
    failed: dict[int, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.returned) + len(self.failed)


def stale_condition(target: Pool, now: datetime, ctx: EvalContext) -> ColumnElement[bool]:
    """Owned, open, matching ``when`` and not worked on for ``after_days``, as SQL."""
    auto = target.defn.auto_return
    assert auto is not None
    conditions = [
        target.entity.table.c.deleted_at.is_(None),
        target.owner_column.is_not(None),
        target.open_condition(ctx),
        _clock(target, auto, now, ctx),
    ]
    if auto.when is not None:
        conditions.append(condition_sql(target.entity, auto.when, ctx))
    return and_(*conditions)


def _clock(target: Pool, auto: AutoReturn, now: datetime, ctx: EvalContext) -> ColumnElement[bool]:
    """The latest non-blank ``since`` value <= cutoff: every one set is old, one is set.

    Spelled out (no GREATEST, which SQLite lacks and which treats NULLs
    differently on each database) so date and datetime fields can mix.
    """
    moment = now - timedelta(days=auto.after_days)
    day = ctx.local(now).date() - timedelta(days=auto.after_days)
    old: list[ColumnElement[bool]] = []
    set_: list[ColumnElement[bool]] = []
    for key in auto.since:
        column = target.entity.table.c[key]
        bound = target.entity.fields.get(key)
        cutoff: Any = day if bound is not None and bound.defn.type == "date" else moment
        old.append(or_(column.is_(None), column <= cutoff))
        set_.append(column.is_not(None))
    return and_(or_(*set_), *old)


def return_stale(
    ctx: ActionContext,
    app: AppRuntime,
    pool_key: str,
    *,
    limit: int = BATCH_SIZE,
    skip: frozenset[int] = frozenset(),
) -> StaleReturn:
    """Return up to ``limit`` stale records of one pool, as the system, at ``ctx.now``.

    On PostgreSQL the batch's rows are locked with ``SKIP LOCKED``, so a claim
    or edit in progress is not waited for, and two job runners never return
    the same record. A record whose write fails (its data breaks a rule
    added since) is rolled back alone (a savepoint), reported and left
    owned; ``skip`` keeps a run from selecting it again.
    """
    target = pool(app, pool_key)
    auto = target.defn.auto_return
    if auto is None:
        return StaleReturn()
    ctx = replace(ctx, via=VIA_POOL_AUTO_RETURN)
    table = target.entity.table
    query = (
        select(table.c.id)
        .where(stale_condition(target, ctx.now, ctx.eval_context()))
        .order_by(table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(table.c.id.not_in(sorted(skip)))
    outcome = StaleReturn()
    for record_id in list(ctx.conn.scalars(query)):
        try:
            with ctx.conn.begin_nested():
                _return_one(ctx, target, record_id, auto.reason)
        except (RecordInvalid, StaleVersion) as err:
            outcome.failed[record_id] = str(err)
        else:
            outcome.returned.append(record_id)
    return outcome


def _return_one(ctx: ActionContext, target: Pool, record_id: int, reason: Any) -> None:
    record = load_record(ctx, target.entity, record_id, lock=True)
    write_record(ctx, record, entering_values(ctx, target, record, reason))
    event = ActionRan(
        app=ctx.app.key,
        entity=target.entity.key,
        user_id=None,
        at=ctx.now,
        via=ctx.via,
        record_id=record_id,
        action_key="auto_return",
        action_type=None,
        detail={
            "pool": target.key,
            "owner": record.values.get(target.owner_key),
            "reason": reason,
        },
    )
    emit(ctx.write_context(target.entity.key), event)


@dataclass
class PoolRun:
    """One pool's part of a job run."""

    app: str
    pool: str
    returned: int = 0
    failed: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "pool": self.pool,
            "returned": self.returned,
            "failed": {str(k): v for k, v in self.failed.items()},
        }


def run_pool_jobs(
    write: Callable[[], AbstractContextManager[Connection]],
    runtime_of: Callable[[Connection, str], AppRuntime],
    now: datetime,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES,
    hooks: Hooks = NO_HOOKS,
) -> list[PoolRun]:
    """Return every stale record of every pool of every app of one tenant.

    ``hooks`` (the process's, built at start-up) see each return's writes.

    ``write`` opens one transaction on the tenant's store; ``runtime_of``
    gives an app's published runtime on a connection. Each batch commits on
    its own, so a long run holds no lock for long and a crash loses nothing
    done before it.
    """
    with write() as conn:
        keys = list(conn.scalars(select(apps.c.key).order_by(apps.c.key)))
        pools = [
            (key, p.key)
            for key in keys
            for p in runtime_of(conn, key).definition.pools
            if p.auto_return is not None
        ]
    runs = []
    for app_key, pool_key in pools:
        run = PoolRun(app_key, pool_key)
        for _ in range(max_batches):
            with write() as conn:
                runtime = runtime_of(conn, app_key)
                if runtime.definition.pool(pool_key) is None:
                    break  # unpublished since the run began
                ctx = ActionContext.system(conn, runtime, now, hooks=hooks)
                batch = return_stale(
                    ctx, runtime, pool_key, limit=batch_size, skip=frozenset(run.failed)
                )
            run.returned += len(batch.returned)
            run.failed.update(batch.failed)
            if batch.size < batch_size:
                break
        runs.append(run)
    return runs


__all__ = [
    "BATCH_SIZE",
    "MAX_BATCHES",
    "PoolRun",
    "StaleReturn",
    "return_stale",
    "run_pool_jobs",
    "stale_condition",
]
