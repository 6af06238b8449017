"""The job runner against the physical limit: 10,000 no-op jobs, end to end.

Run: ``.venv/bin/python bench/jobs.py [--backend sqlite|postgresql|all]
[--jobs 10000] [--batch 100]``.

For each backend it creates a throwaway tenant (a temporary data directory;
on PostgreSQL schemas with a prefix of its own, dropped at the end even on
error) and measures, in the same run:

* **jobs**: ``--jobs`` no-op jobs enqueued in transactions of 500, once
  one ``enqueue`` at a time (as single writes do) and once with
  ``enqueue_many`` (as a bulk write does), and then claimed, run and completed by the
  runner in batches of ``--batch`` (``run_until_idle``: one transaction per
  batch, each job in a savepoint). On SQLite by one worker (one dispatcher
  per data directory); on PostgreSQL by one worker, and by two worker
  processes sharing the queue (``SKIP LOCKED``), started before the clock
  and released together;
* **raw**: the physical limit: the same rows inserted into a scratch copy of
  the ``jobs`` table with its indexes (``executemany`` in the same
  transactions of 500) and deleted by id in the same batches, one
  transaction each.

It prints jobs/s for the enqueue, the run and the whole, raw rows/s, and
jobs/raw as the ratio (how many times slower than inserting and deleting the
rows is).
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _server import PG_URL, drop_pg_schemas, postgres_problem
from sqlalchemy import Table, delete, insert, select

from engine.jobs import (
    JobContext,
    JobKinds,
    enqueue,
    enqueue_many,
    holder_name,
    run_until_idle,
)
from engine.store import Store
from engine.store.tables import jobs

ROOT = Path(__file__).resolve().parents[1]
TENANT = "bench"
CHUNK = 500


def noop_kinds() -> JobKinds:
    kinds = JobKinds()

    def noop(_: JobContext) -> None:
        return None

    kinds.register("bench.noop", noop)
    return kinds


def rows(n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "kind": "bench.noop",
            "payload": {"i": i},
            "status": "queued",
            "attempts": 0,
            "max_attempts": 5,
            "run_at": now,
            "dedupe_key": None,
            "created_at": now,
        }
        for i in range(n)
    ]


def enqueue_all(store: Store, n: int, bulk: bool) -> float:
    started = time.perf_counter()
    for first in range(0, n, CHUNK):
        with store.write(TENANT) as conn:
            numbers = range(first, min(n, first + CHUNK))
            if bulk:
                enqueue_many(conn, "bench.noop", [{"i": i} for i in numbers])
            else:
                for i in numbers:
                    enqueue(conn, "bench.noop", {"i": i})
    return time.perf_counter() - started


def raw(store: Store, n: int, batch: int) -> float:
    """Insert the rows into a scratch copy of ``jobs``, then delete them batch by batch."""
    scratch = jobs.to_metadata(type(jobs.metadata)(), name="bench_raw_jobs")
    scratch = _without_index_names(scratch)
    with store.write(TENANT) as conn:
        scratch.create(conn)
    data = rows(n)
    started = time.perf_counter()
    for first in range(0, n, CHUNK):
        with store.write(TENANT) as conn:
            conn.execute(insert(scratch), data[first : first + CHUNK])
    while True:
        with store.write(TENANT) as conn:
            ids = list(conn.scalars(select(scratch.c.id).order_by(scratch.c.id).limit(batch)))
            if not ids:
                break
            conn.execute(delete(scratch).where(scratch.c.id.in_(ids)))
    elapsed = time.perf_counter() - started
    with store.write(TENANT) as conn:
        scratch.drop(conn)
    return elapsed


def _without_index_names(table: Table) -> Table:
    # Index names are per schema (PostgreSQL) or per file (SQLite): give the copy its own.
    for index in table.indexes:
        index.name = f"bench_raw_{index.name}"
    table.primary_key.name = "pk_bench_raw_jobs"
    return table


def run_workers(store: Store, settings: dict[str, str], workers: int, batch: int) -> float:
    if workers == 1:
        started = time.perf_counter()
        run_until_idle(store, noop_kinds(), TENANT, holder=holder_name(), batch_size=batch)
        return time.perf_counter() - started
    args = json.dumps({**settings, "batch": batch})
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(workers)
    ]
    for child in children:  # each has imported and connected: wait for its "ready"
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        child.communicate(timeout=600)
    return time.perf_counter() - started


def child(args: dict[str, Any]) -> None:
    store = Store(args["database_url"], Path(args["data_dir"]), args["prefix"])
    with store.read(TENANT):
        pass
    kinds = noop_kinds()
    print("ready", flush=True)
    sys.stdin.readline()
    run_until_idle(store, kinds, TENANT, holder=holder_name(), batch_size=int(args["batch"]))
    store.dispose()


def measure(backend: str, n: int, batch: int) -> list[dict[str, Any]]:
    data_dir = Path(tempfile.mkdtemp(prefix="fw-bench-jobs-"))
    prefix = f"fwbj{secrets.token_hex(3)}_"
    url = PG_URL if backend == "postgresql" else f"sqlite:///{data_dir / 'formwork.db'}"
    store = Store(url, data_dir, prefix)
    settings = {"database_url": url, "data_dir": str(data_dir), "prefix": prefix}
    results = []
    try:
        store.migrate_catalog()
        store.create_tenant(TENANT, TENANT)
        plans = [(1, False), (1, True)]
        if backend == "postgresql":
            plans += [(2, False), (2, True)]
        for workers, bulk in plans:
            raw_s = raw(store, n, batch)
            enqueue_s = enqueue_all(store, n, bulk)
            run_s = run_workers(store, settings, workers, batch)
            with store.read(TENANT) as conn:
                done = conn.scalar(select(jobs.c.id).where(jobs.c.status != "done").limit(1))
            assert done is None, "some jobs did not run"
            with store.write(TENANT) as conn:
                conn.execute(delete(jobs))
            total = enqueue_s + run_s
            results.append(
                {
                    "backend": backend,
                    "workers": workers,
                    "enqueue": "enqueue_many" if bulk else "enqueue",
                    "jobs": n,
                    "enqueue_per_s": round(n / enqueue_s),
                    "run_per_s": round(n / run_s),
                    "jobs_per_s": round(n / total),
                    "raw_per_s": round(n / raw_s),
                    "ratio": round(total / raw_s, 2),
                }
            )
    finally:
        store.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
        if backend == "postgresql":
            drop_pg_schemas(prefix)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(json.loads(options.child))
        return 0
    backends = ["sqlite", "postgresql"] if options.backend == "all" else [options.backend]
    print(
        f"{'backend':<11} {'workers':>7} {'enqueue by':>12} {'enqueue/s':>10} {'run/s':>8} "
        f"{'jobs/s':>8} {'raw/s':>8} {'jobs/raw':>8}"
    )
    for backend in backends:
        if backend == "postgresql" and (problem := postgres_problem()):
            print(f"postgresql skipped: {problem}")
            continue
        for r in measure(backend, options.jobs, options.batch):
            print(
                f"{r['backend']:<11} {r['workers']:>7} {r['enqueue']:>12} "
                f"{r['enqueue_per_s']:>10,} {r['run_per_s']:>8,} {r['jobs_per_s']:>8,} "
                f"{r['raw_per_s']:>8,} {r['ratio']:>7}x"
            )
            print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
