"""The worker loop: find tenants with due work, run their jobs, stop gracefully.

``formwork worker`` runs ``Worker.run`` in the foreground; ``formwork serve``
runs it in a thread (``FORMWORK_WORKER=0`` turns that off when separate
workers run). On PostgreSQL any number of workers, on any number of
machines, share the work (claims use ``SKIP LOCKED``). On SQLite one
dispatcher per data directory claims: the others wait on an ``fcntl`` lock
file beside the catalogue and take over when it stops (two processes
fighting over one SQLite file run an order of magnitude fewer jobs).
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from engine.jobs import admin, due, schedules
from engine.jobs.kinds import JobKinds
from engine.jobs.runner import run_batch
from engine.store import Store, TenantNotFound

log = logging.getLogger("formwork.jobs")


def holder_name() -> str:
    """Who holds a lease: host, process and a random part (threads of one process differ)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"


class DispatcherLock:
    """One dispatcher per SQLite data directory: an exclusive ``flock`` on a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def dispatcher_lock(store: Store) -> DispatcherLock:
    catalogue = Path(store.url.database or store.data_dir / "formwork.db")
    return DispatcherLock(catalogue.parent / "jobs.lock")


class Worker:
    """Runs every tenant's due jobs until told to stop."""

    def __init__(
        self,
        store: Store,
        kinds: JobKinds,
        *,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=300),
        poll_seconds: float = 1.0,
        sweep_seconds: float = 60.0,
        batches_per_visit: int = 20,
        keep_done: timedelta = timedelta(days=7),
    ) -> None:
        self.store = store
        self.kinds = kinds
        self.holder = holder_name()
        self.batch_size = batch_size
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.sweep_seconds = sweep_seconds
        self.batches_per_visit = batches_per_visit
        self.keep_done = keep_done
        due.attach(store)

    def sweep(self) -> None:
        """Sync every tenant's schedules, prune its old done jobs, rebuild its hint."""
        now = datetime.now(UTC)
        for tenant in self.store.tenant_keys():
            try:
                seen = due.version(self.store.catalog, tenant)
                with self.store.write(tenant) as conn:
                    schedules.sync(conn, tenant, self.kinds.schedules, now)
                    admin.prune_done(conn, now - self.keep_done)
                    next_due = due.next_due(conn)
                due.set_hint(self.store.catalog, tenant, next_due, seen)
            except TenantNotFound:
                continue
            except Exception:
                log.exception("sweeping tenant %s failed", tenant)

    def visit(self, tenant: str) -> int:
        """Run a tenant's due jobs (a bounded number of batches), then lower its hint."""
        seen = due.version(self.store.catalog, tenant)
        ran = 0
        for _ in range(self.batches_per_visit):
            outcome = run_batch(
                self.store,
                self.kinds,
                tenant,
                holder=self.holder,
                batch_size=self.batch_size,
                lease=self.lease,
            )
            ran += outcome.claimed
            if outcome.claimed < self.batch_size:
                break
        with self.store.read(tenant) as conn:
            next_due = due.next_due(conn)
        due.lower_hint(self.store.catalog, tenant, next_due, seen)
        return ran

    def run_once(self) -> int:
        """One pass over the tenants the catalogue says are due; how many jobs ran."""
        ran = 0
        for tenant in due.due_now(self.store.catalog, datetime.now(UTC)):
            try:
                ran += self.visit(tenant)
            except TenantNotFound:
                due.forget(self.store.catalog, tenant)
            except Exception:
                log.exception("running the jobs of tenant %s failed", tenant)
        return ran

    def run(self, stop: threading.Event) -> None:
        """The loop; returns once ``stop`` is set (after the batch in hand)."""
        lock = dispatcher_lock(self.store) if self.store.dialect == "sqlite" else None
        try:
            while lock is not None and not lock.acquire():
                if stop.wait(max(self.poll_seconds, 1.0)):
                    return
            log.info("job worker %s started", self.holder)
            last_sweep = -float("inf")
            while not stop.is_set():
                try:
                    if time.monotonic() - last_sweep >= self.sweep_seconds:
                        self.sweep()
                        last_sweep = time.monotonic()
                    ran = self.run_once()
                except Exception:  # the catalogue is unreachable: keep trying, do not die
                    log.exception("the job worker's pass failed")
                    ran = 0
                if ran == 0:
                    stop.wait(self.poll_seconds)
        finally:
            if lock is not None:
                lock.release()
            log.info("job worker %s stopped", self.holder)


__all__ = ["DispatcherLock", "Worker", "dispatcher_lock", "holder_name"]
