"""Job kinds by name, and the periodic schedules that enqueue them.

Engines ask each other for work by kind name (``"print.render"``), never by
import: the kind's owner registers a handler under that name in the
start-up list, and whoever enqueues needs only the name. Nothing registers
at import time.

A handler receives a ``JobContext`` and may return a JSON value, kept as the
job's ``result``. A *transactional* kind (the default) runs inside the
runner's transaction, in a savepoint, with ``ctx.conn``: its database
effects and the job's completion commit together, so they happen exactly
once. A non-transactional kind (``transactional=False``: long runs, e.g. a
pool's auto-return in batches, or anything that leaves the database) runs
outside any transaction under a lease and opens its own transactions with
``ctx.store.write(ctx.tenant)``: it runs at least once, so it must be
idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from engine.jobs.errors import DuplicateJobKind, UnknownJobKind
from engine.jobs.outbox import DEFAULT_MAX_ATTEMPTS, enqueue
from engine.jobs.schedules import Schedule, check_cron
from engine.store import Store


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: where it runs, what it was asked, and when."""

    store: Store
    tenant: str
    job_id: int
    kind: str
    payload: dict[str, Any]
    #: 1 on the first run, 2 on the first retry, …
    attempt: int
    now: datetime
    _conn: Connection | None = None

    @property
    def conn(self) -> Connection:
        """The runner's transaction (transactional kinds only)."""
        if self._conn is None:
            raise RuntimeError(
                f"job kind {self.kind!r} is not transactional: open a transaction with "
                "ctx.store.write(ctx.tenant)"
            )
        return self._conn


Handler = Callable[[JobContext], Any]


@dataclass(frozen=True)
class JobKind:
    #: Dotted lower-case words, the owner first: ``actions.pool_return``.
    name: str
    handler: Handler
    transactional: bool = True
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    #: The first retry waits about this long; each further one twice as long.
    backoff_seconds: float = 10.0
    max_backoff_seconds: float = 3600.0


class JobKinds:
    """The registry of job kinds and schedules, filled once at start-up."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}
        self._schedules: dict[str, Schedule] = {}

    def register(
        self,
        name: str,
        handler: Handler,
        *,
        transactional: bool = True,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_seconds: float = 10.0,
        max_backoff_seconds: float = 3600.0,
    ) -> JobKind:
        if name in self._kinds:
            raise DuplicateJobKind(name)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        kind = JobKind(
            name, handler, transactional, max_attempts, backoff_seconds, max_backoff_seconds
        )
        self._kinds[name] = kind
        return kind

    def get(self, name: str) -> JobKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownJobKind(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def names(self) -> list[str]:
        return sorted(self._kinds)

    def schedule(self, schedule: Schedule) -> None:
        """Register a periodic schedule of a registered kind."""
        self.get(schedule.kind)
        check_cron(schedule.cron, schedule.timezone)
        if schedule.name in self._schedules:
            raise ValueError(f"schedule {schedule.name!r} is registered twice")
        self._schedules[schedule.name] = schedule

    @property
    def schedules(self) -> list[Schedule]:
        return list(self._schedules.values())

    def enqueue(
        self,
        conn: Connection,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        run_at: datetime | None = None,
        dedupe_key: str | None = None,
    ) -> int | None:
        """``outbox.enqueue`` of a registered kind (``UnknownJobKind`` otherwise),
        with the kind's ``max_attempts``."""
        known = self.get(kind)
        return enqueue(
            conn,
            kind,
            payload,
            run_at=run_at,
            dedupe_key=dedupe_key,
            max_attempts=known.max_attempts,
        )


__all__ = ["Handler", "JobContext", "JobKind", "JobKinds", "Schedule"]
