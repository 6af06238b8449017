"""Notifications against the raw SQL: the fan-out, and the bell's unread count.

Run: ``.venv/bin/python bench/messaging.py [--backend sqlite|postgresql|all]
[--rounds 20] [--history 100000]``.

For each backend, in a throwaway tenant (a temporary data directory; on
PostgreSQL schemas of a prefix of its own, dropped at the end even on error):

* **fan-out**: ``notify`` to 1,000 users, ``--rounds`` times, one
  transaction each; against the same rows inserted with the bare driver
  (``cursor.executemany`` of a plain INSERT) in the same transactions.
  Prints rows/s of each and notify/raw as the ratio of times.
* **unread count**: a user with ``--history`` notifications of which 1% are
  unread (and as many again spread over 99 other users), then
  ``unread_count`` 500 times against the same ``SELECT count(*)`` through
  the bare driver, and the query plan, which shows the partial index
  ``ix_notifications_unread`` at work.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _server import PG_URL, drop_pg_schemas, postgres_problem
from sqlalchemy import delete, text

from engine.messaging.notifications import notify, unread_count
from engine.store import Store
from engine.store.tables import notifications

TENANT = "bench"
USERS = 1000
COUNTS = 500
COLUMNS = "user_id, title, body, app, entity, record_id, source, created_at, read_at"


def placeholders(backend: str, n: int) -> str:
    mark = "%s" if backend == "postgresql" else "?"
    return ", ".join([mark] * n)


def moment(backend: str, value: datetime) -> Any:
    # What the column type stores: SQLite keeps ISO text (engine/store/types.py).
    return value if backend == "postgresql" else value.isoformat()


def fan_out(store: Store, backend: str, rounds: int) -> tuple[float, float]:
    users = list(range(1, USERS + 1))
    notify_s = raw_s = 0.0
    insert_sql = f"INSERT INTO notifications ({COLUMNS}) VALUES ({placeholders(backend, 9)})"
    for _ in range(rounds):
        now = datetime.now(UTC)
        started = time.perf_counter()
        with store.write(TENANT) as conn:
            notify(
                conn,
                users,
                title="Lead assigned",
                app="crm",
                entity="lead",
                record_id=1,
                source="rule:crm/assign",
                now=now,
            )
        notify_s += time.perf_counter() - started
        rows = [
            (
                u,
                "Lead assigned",
                None,
                "crm",
                "lead",
                1,
                "rule:crm/assign",
                moment(backend, now),
                None,
            )
            for u in users
        ]
        started = time.perf_counter()
        with store.write(TENANT) as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.executemany(insert_sql, rows)
        raw_s += time.perf_counter() - started
    with store.write(TENANT) as conn:
        conn.execute(delete(notifications))
    return notify_s, raw_s


def fill_history(store: Store, backend: str, history: int) -> None:
    """``history`` rows of user 1 (1% unread) and as many over users 2..100."""
    now = datetime.now(UTC)
    insert_sql = f"INSERT INTO notifications ({COLUMNS}) VALUES ({placeholders(backend, 9)})"
    read_at = moment(backend, now)
    rows = [
        (
            1 if i < history else 2 + i % 99,
            f"n{i}",
            None,
            None,
            None,
            None,
            None,
            moment(backend, now),
            None if i % 100 == 0 else read_at,
        )
        for i in range(history * 2)
    ]
    with store.write(TENANT) as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for start in range(0, len(rows), 10_000):
            cursor.executemany(insert_sql, rows[start : start + 10_000])
        conn.execute(text("ANALYZE notifications" if backend == "postgresql" else "ANALYZE"))


def count_unread(store: Store, backend: str) -> tuple[float, float, int, str]:
    raw_sql = (
        "SELECT count(*) FROM notifications WHERE user_id = "
        f"{placeholders(backend, 1)} AND read_at IS NULL"
    )
    with store.read(TENANT) as conn:
        started = time.perf_counter()
        for _ in range(COUNTS):
            found = unread_count(conn, 1)
        engine_s = time.perf_counter() - started
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        started = time.perf_counter()
        for _ in range(COUNTS):
            cursor.execute(raw_sql, (1,))
            raw_found = cursor.fetchone()[0]
        raw_s = time.perf_counter() - started
        assert raw_found == found
        explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
        plan_rows = conn.execute(
            text(
                f"{explain} SELECT count(*) FROM notifications"
                " WHERE user_id = 1 AND read_at IS NULL"
            )
        ).all()
    plan = "\n".join(str(row[-1]) for row in plan_rows)
    return engine_s, raw_s, found, plan


def measure(backend: str, rounds: int, history: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="fw-bench-messaging-"))
    prefix = f"fwbm{secrets.token_hex(3)}_"
    url = PG_URL if backend == "postgresql" else f"sqlite:///{data_dir / 'formwork.db'}"
    store = Store(url, data_dir, prefix)
    try:
        store.migrate_catalog()
        store.create_tenant(TENANT, TENANT)
        notify_s, raw_s = fan_out(store, backend, rounds)
        fill_history(store, backend, history)
        engine_s, count_raw_s, unread, plan = count_unread(store, backend)
    finally:
        store.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
        if backend == "postgresql":
            drop_pg_schemas(prefix)
    rows = rounds * USERS
    return {
        "backend": backend,
        "fan_out_rows": rows,
        "notify_rows_per_s": round(rows / notify_s),
        "raw_rows_per_s": round(rows / raw_s),
        "fan_out_ratio": round(notify_s / raw_s, 2),
        "history": history,
        "unread": unread,
        "unread_count_ms": round(engine_s / COUNTS * 1000, 3),
        "raw_count_ms": round(count_raw_s / COUNTS * 1000, 3),
        "count_ratio": round(engine_s / count_raw_s, 2),
        "plan": plan,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--history", type=int, default=100_000)
    options = parser.parse_args()
    backends = ["sqlite", "postgresql"] if options.backend == "all" else [options.backend]
    for backend in backends:
        if backend == "postgresql" and (problem := postgres_problem()):
            print(f"postgresql skipped: {problem}")
            continue
        r = measure(backend, options.rounds, options.history)
        print(
            f"{backend}: fan-out to {USERS} users: notify {r['notify_rows_per_s']:,} rows/s, "
            f"raw {r['raw_rows_per_s']:,} rows/s, notify/raw {r['fan_out_ratio']}x"
        )
        print(
            f"{backend}: unread count ({r['unread']:,} unread of {r['history']:,}): "
            f"{r['unread_count_ms']} ms, raw {r['raw_count_ms']} ms, "
            f"ratio {r['count_ratio']}x"
        )
        print(f"{backend}: plan of the unread count:\n  " + r["plan"].replace("\n", "\n  "))
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
