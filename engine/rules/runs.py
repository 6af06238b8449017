"""The run log of rules: each run with its record, trigger, outcome, error and effects.

Successful runs are written in the write's own transaction (they happened
only if it commits). A failed run rolls its write back, so it is kept on the
connection (``note_failure``) and written by ``write_failures`` in a
transaction of its own once the failed one has ended: the designer sees why
a rule stopped a write, or why a loop hit the depth cap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from engine.rules.base import RuleRun
from engine.store import Store
from engine.store.bulk import insert_many
from engine.store.tables import rule_runs

_FAILURES = "formwork.rules.failures"
#: Characters of an error kept in the log.
MAX_ERROR_CHARS = 2_000


def _row(run: RuleRun, outcome: str, error: str | None, at: datetime) -> dict[str, Any]:
    return {
        "app": run.ctx.app.key,
        "rule": run.rule.key,
        "entity": run.entity.key,
        "record_id": run.record_id,
        "trigger": run.trigger,
        "outcome": outcome,
        "error": None if error is None else error[:MAX_ERROR_CHARS],
        "effects": run.effects,
        "at": at,
    }


def log_runs(conn: Connection, runs: Sequence[RuleRun], at: datetime) -> None:
    """Runs that succeeded, in the caller's transaction."""
    if runs:
        insert_many(conn, rule_runs, [_row(run, "ok", None, at) for run in runs])


def note_failure(conn: Connection, run: RuleRun, error: str, at: datetime) -> None:
    """A run that failed: written after this transaction ends (``write_failures``)."""
    conn.info.setdefault(_FAILURES, []).append(_row(run, "failed", error, at))


@contextmanager
def not_logged(conn: Connection) -> Iterator[None]:
    """Failures noted inside are forgotten when it ends: a dry run's are not runs."""
    before = list(conn.info.get(_FAILURES, ()))
    try:
        yield
    finally:
        if before:
            conn.info[_FAILURES] = before
        else:
            conn.info.pop(_FAILURES, None)


def write_failures(store: Store, tenant: str, conn: Connection, committed: bool) -> None:
    """``Store.after_write`` hook: write the failed runs noted on ``conn``.

    Written whether the transaction committed or not: a failure caught in a
    savepoint (a dry run, a job) rolled back its own part only, and its log
    would otherwise be lost with it.
    """
    failures = conn.info.pop(_FAILURES, None)
    if failures:
        with store.write(tenant) as fresh:
            fresh.execute(insert(rule_runs), failures)


def list_runs(
    conn: Connection, app: str, rule: str, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    query = (
        select(rule_runs)
        .where(rule_runs.c.app == app, rule_runs.c.rule == rule)
        .order_by(rule_runs.c.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    items = [
        {
            "id": row.id,
            "record_id": row.record_id,
            "entity": row.entity,
            "trigger": row.trigger,
            "outcome": row.outcome,
            "error": row.error,
            "effects": row.effects,
            "at": row.at.isoformat(),
        }
        for row in conn.execute(query)
    ]
    return {"items": items, "page": page, "page_size": page_size}


def rule_stats(conn: Connection, app: str) -> dict[str, dict[str, Any]]:
    """Per rule of the app: runs, failures, the last run and the last error."""
    counts = conn.execute(
        select(
            rule_runs.c.rule,
            func.count().label("runs"),
            func.count().filter(rule_runs.c.outcome == "failed").label("failures"),
            func.max(rule_runs.c.id).label("last_id"),
        )
        .where(rule_runs.c.app == app)
        .group_by(rule_runs.c.rule)
    ).all()
    stats: dict[str, dict[str, Any]] = {}
    for row in counts:
        last = conn.execute(
            select(rule_runs.c.at).where(rule_runs.c.id == row.last_id)
        ).scalar_one()
        failed = conn.execute(
            select(rule_runs.c.error)
            .where(
                and_(
                    rule_runs.c.app == app,
                    rule_runs.c.rule == row.rule,
                    rule_runs.c.outcome == "failed",
                )
            )
            .order_by(rule_runs.c.id.desc())
            .limit(1)
        ).scalar()
        stats[row.rule] = {
            "runs": row.runs,
            "failures": row.failures,
            "last_run_at": last.isoformat(),
            "last_error": failed,
        }
    return stats


__all__ = [
    "list_runs",
    "log_runs",
    "not_logged",
    "note_failure",
    "rule_stats",
    "write_failures",
]
