"""Adding a field to an entity of 1,000,000 records must not rewrite its table.

Run: ``.venv/bin/python bench/schema_evolution.py [--backend sqlite|postgresql|all]
[--rows 1000000] [--repeat 5]``.

For each backend it creates a throwaway tenant (a temporary data directory;
on PostgreSQL schemas with a prefix of its own, dropped at the end even on
error), installs a one-entity app and fills its table with ``--rows`` rows
in one statement (a recursive CTE on SQLite, ``generate_series`` on
PostgreSQL). It then

* copies the table (``CREATE TABLE … AS SELECT``): what rewriting the table
  costs, for scale;
* runs ``--repeat`` raw ``ALTER TABLE … ADD COLUMN`` on that identical copy,
  each in its own transaction: the physical limit of adding a column;
* ``--repeat`` times (default 5), saves a draft adding a text field and
  times ``publish()`` (load and validate the draft, plan, check, ``ADD
  COLUMN`` through Alembic, switch versions, audit, commit) in one
  transaction, as the API runs it, after one warm-up publish of a small app
  of its own (a running server has its SQL statements compiled already);

and proves that publishing did not rewrite the table: on PostgreSQL the
table's ``pg_relation_filenode`` and size are unchanged; on SQLite the
database's page count grows by at most a few pages (the schema), nowhere
near the table's own pages. It prints the medians and publish/raw as the ratio.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _server import PG_URL, drop_pg_schemas, postgres_problem
from sqlalchemy import Connection, text

from builder.apps import install_app, save_draft
from builder.publish import publish
from builder.validate import load_definition
from engine.store import Store

TABLE = "a_bench__item"
APP: dict[str, Any] = {
    "key": "bench",
    "version": "1.0.0",
    "entities": [
        {
            "key": "item",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "max_length": 100},
                {"key": "amount", "type": "currency", "precision": 2},
                {
                    "key": "status",
                    "type": "select",
                    "options": [{"value": "open"}, {"value": "won"}, {"value": "lost"}],
                },
            ],
        }
    ],
}

FILL_SQLITE = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO {TABLE} (id, version, created_at, updated_at, name, amount, status)
SELECT i, 1, :now, :now, 'item ' || i, (i % 100000) / 100.0,
       CASE i % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'won' ELSE 'lost' END
FROM n
"""

FILL_POSTGRES = f"""
INSERT INTO {TABLE} (id, version, created_at, updated_at, name, amount, status)
SELECT i, 1, :now, :now, 'item ' || i, (i % 100000) / 100.0,
       CASE i % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'won' ELSE 'lost' END
FROM generate_series(1, :rows) AS i
"""


@dataclass
class Result:
    backend: str
    rows: int
    fill_s: float
    copy_s: float
    #: Medians over ``repeat`` columns added (raw) and ``repeat`` publishes.
    raw_alter_ms: float
    publish_ms: float
    repeat: int
    #: What the filled table occupies (SQLite: what filling it added to the file).
    table_bytes: int
    #: How much publishing grew the database (SQLite) or the table (PostgreSQL).
    growth_bytes: int
    same_file: bool | None
    rows_after: int

    @property
    def ratio(self) -> float:
        return self.publish_ms / self.raw_alter_ms if self.raw_alter_ms else float("inf")


@contextmanager
def tenant_store(backend: str) -> Iterator[tuple[Store, str]]:
    data_dir = Path(tempfile.mkdtemp(prefix="fw-bench-evolution-"))
    prefix = f"fwbevo_{secrets.token_hex(3)}_"
    url = PG_URL if backend == "postgresql" else f"sqlite:///{data_dir / 'formwork.db'}"
    store = Store(url, data_dir, prefix)
    try:
        store.migrate_catalog()
        store.create_tenant("bench", "bench")
        yield store, "bench"
    finally:
        store.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
        if backend == "postgresql":
            drop_pg_schemas(prefix)


def sqlite_pages(conn: Connection) -> tuple[int, int]:
    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
    return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one()), page_size


def table_state(store: Store, backend: str, tenant: str) -> tuple[int, int | None]:
    """(bytes of the database or table, PostgreSQL filenode) as the next reader sees them."""
    engine = store.tenant_engine(tenant)
    with engine.connect() as conn:
        if backend == "sqlite":
            conn.commit()
            pages, page_size = sqlite_pages(conn)
            return pages * page_size, None
        size = conn.scalar(text("SELECT pg_relation_size(:t)"), {"t": TABLE})
        node = conn.scalar(text("SELECT pg_relation_filenode(:t)"), {"t": TABLE})
        return int(size or 0), int(node or 0)


def with_field(app: dict[str, Any], key: str) -> dict[str, Any]:
    draft = json.loads(json.dumps(app))
    draft["entities"][0]["fields"].append({"key": key, "type": "text"})
    return draft


def warm_up(store: Store, tenant: str) -> None:
    """Publish once on a small app of its own: a running server has its SQL compiled."""
    warm = {**APP, "key": "warm"}
    with store.write(tenant) as conn:
        install_app(conn, load_definition(warm))
        save_draft(conn, "warm", load_definition(with_field(warm, "note")))
    with store.write(tenant) as conn:
        publish(conn, "warm", None)


def run(backend: str, rows: int, repeat: int) -> Result:
    with tenant_store(backend) as (store, tenant):
        with store.write(tenant) as conn:
            install_app(conn, load_definition(APP))
        warm_up(store, tenant)
        empty_bytes, _ = table_state(store, backend, tenant)
        started = time.perf_counter()
        with store.write(tenant) as conn:
            fill = FILL_SQLITE if backend == "sqlite" else FILL_POSTGRES
            conn.execute(text(fill), {"rows": rows, "now": datetime.now(UTC).replace(tzinfo=None)})
        fill_s = time.perf_counter() - started
        filled_bytes, _ = table_state(store, backend, tenant)
        table_bytes = filled_bytes - empty_bytes if backend == "sqlite" else filled_bytes

        started = time.perf_counter()
        with store.write(tenant) as conn:
            conn.exec_driver_sql(f"CREATE TABLE raw_copy AS SELECT * FROM {TABLE}")
        copy_s = time.perf_counter() - started
        if backend == "postgresql":
            with store.tenant_engine(tenant).connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    f"VACUUM ANALYZE {TABLE}"
                )
        raw_times = []
        for i in range(repeat):
            started = time.perf_counter()
            with store.write(tenant) as conn:
                conn.exec_driver_sql(f"ALTER TABLE raw_copy ADD COLUMN note{i} VARCHAR(255)")
            raw_times.append((time.perf_counter() - started) * 1000)

        size_before, node_before = table_state(store, backend, tenant)
        definition, publish_times = APP, []
        for i in range(repeat):
            definition = with_field(definition, f"note{i}")
            with store.write(tenant) as conn:
                save_draft(conn, "bench", load_definition(definition))
            started = time.perf_counter()
            with store.write(tenant) as conn:
                published = publish(conn, "bench", None)
            publish_times.append((time.perf_counter() - started) * 1000)
            assert [op.kind for op in published.plan.operations] == ["add_field"]
        size_after, node_after = table_state(store, backend, tenant)
        with store.read(tenant) as conn:
            rows_after = int(conn.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)
            assert conn.scalar(text(f"SELECT count(note0) FROM {TABLE}")) == 0
        return Result(
            backend=backend,
            rows=rows,
            fill_s=fill_s,
            copy_s=copy_s,
            raw_alter_ms=statistics.median(raw_times),
            publish_ms=statistics.median(publish_times),
            repeat=repeat,
            table_bytes=table_bytes,
            growth_bytes=size_after - size_before,
            same_file=None if node_before is None else node_before == node_after,
            rows_after=rows_after,
        )


def report(result: Result) -> list[str]:
    lines = [
        f"{result.backend}: {result.rows:,} rows (filled in {result.fill_s:.1f} s; "
        f"copying the table, i.e. a rewrite, takes {result.copy_s:.2f} s)",
        f"  raw ALTER TABLE ADD COLUMN on a copy   {result.raw_alter_ms:9.1f} ms   "
        f"(the limit; median of {result.repeat})",
        f"  publish() adding a field                {result.publish_ms:9.1f} ms   "
        f"ratio {result.ratio:.1f}x (median of {result.repeat} publishes)",
        f"  rewriting the table instead would take ~{result.copy_s * 1000 / result.publish_ms:.0f}"
        "x as long as the publish",
    ]
    where = "database file" if result.same_file is None else "table"
    lines.append(
        f"  the {where} grew by {result.growth_bytes:,} bytes over the publishes; the table holds "
        f"{result.table_bytes / 2**20:.1f} MiB (what a rewrite would write again)"
    )
    if result.same_file is not None:
        lines.append(
            f"  pg_relation_filenode {'unchanged' if result.same_file else 'CHANGED'} "
            "across the publish"
        )
    return lines


def rewrote(result: Result) -> bool:
    if result.same_file is not None and not result.same_file:
        return True
    return result.growth_bytes > max(64 * 1024, result.table_bytes // 100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="columns added each way")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    failed = False
    for backend in backends:
        if backend == "postgresql" and (problem := postgres_problem()):
            print(f"postgresql: skipped ({problem})")
            failed = failed or args.backend == "postgresql"
            continue
        result = run(backend, args.rows, max(1, args.repeat))
        print("\n".join(report(result)), flush=True)
        if rewrote(result) or result.rows_after != args.rows:
            print(f"  FAIL: the {backend} table was rewritten or lost rows")
            failed = True
        else:
            print("  OK: no table rewrite")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
