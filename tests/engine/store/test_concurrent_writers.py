"""Concurrent writers of one process: they queue for SQLite's single writer in
order, and on PostgreSQL they reuse a bounded pool instead of opening and
closing connections (issue 9)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import event, text

from engine.platform import Platform
from engine.store.store import PG_POOL_SIZE, Store

CLIENTS = 8
WRITES_EACH = 25


def _table(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        conn.execute(text("CREATE TABLE t_writers (id INTEGER PRIMARY KEY, who INTEGER)"))


def _write_from_threads(platform: Platform, tenant: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS)

    def work(who: int) -> None:
        start.wait()
        try:
            for n in range(WRITES_EACH):
                with platform.store.read(tenant) as conn:  # as the session check does
                    conn.execute(text("SELECT count(*) FROM t_writers"))
                with platform.store.write(tenant) as conn:
                    conn.execute(
                        text("INSERT INTO t_writers (id, who) VALUES (:id, :who)"),
                        {"id": who * 1000 + n, "who": who},
                    )
                    time.sleep(0.002)  # a request's work: the clients overlap
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with platform.store.read(tenant) as conn:
        assert conn.scalar(text("SELECT count(*) FROM t_writers")) == CLIENTS * WRITES_EACH


def test_concurrent_writers_all_commit_and_reuse_connections(
    platform: Platform, tenant: str, backend: str
) -> None:
    """8 clients × 25 session reads and writes all commit; on PostgreSQL each
    client's connection is opened once and reused (at 5 + 5 overflow the pool
    opened and closed them by the dozen), none closed."""
    _table(platform, tenant)
    engine = platform.store.tenant_engine(tenant)
    opened: list[object] = []
    closed: list[object] = []

    def on_connect(dbapi_connection: object, _record: object) -> None:
        opened.append(dbapi_connection)

    def on_close(dbapi_connection: object, _record: object) -> None:
        closed.append(dbapi_connection)

    event.listen(engine.pool, "connect", on_connect)
    event.listen(engine.pool, "close", on_close)
    try:
        _write_from_threads(platform, tenant)
    finally:
        event.remove(engine.pool, "connect", on_connect)
        event.remove(engine.pool, "close", on_close)
    assert closed == []
    if backend == "postgresql":
        assert len(opened) <= min(CLIENTS, PG_POOL_SIZE)


def test_sqlite_writers_of_one_process_take_turns(tmp_path: Path) -> None:
    """A second writer waits for the first in the process, not in SQLite's busy
    handler: it has not begun (so holds no connection in BEGIN IMMEDIATE) until
    the first one ends."""
    store = Store(f"sqlite:///{tmp_path / 'formwork.db'}", tmp_path)
    store.migrate_catalog()
    store.create_tenant("writers", "Writers")
    with store.write("writers") as conn:
        conn.execute(text("CREATE TABLE t_writers (id INTEGER PRIMARY KEY, who INTEGER)"))
    first_inside = threading.Event()
    first_may_leave = threading.Event()
    order: list[str] = []

    def first() -> None:
        with store.write("writers") as conn:
            conn.execute(text("INSERT INTO t_writers (id, who) VALUES (1, 1)"))
            first_inside.set()
            first_may_leave.wait(10)
            order.append("first ends")

    def second() -> None:
        first_inside.wait(10)
        with store.write("writers") as conn:
            order.append("second begins")
            conn.execute(text("INSERT INTO t_writers (id, who) VALUES (2, 2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_inside.wait(10)
    # The second writer is queued: give it time to (wrongly) get in.
    threads[1].join(0.3)
    assert threads[1].is_alive() and order == []
    # It waits without a connection: not inside BEGIN IMMEDIATE, polling the file lock.
    assert store.tenant_engine("writers").pool.checkedout() == 1  # type: ignore[attr-defined]
    first_may_leave.set()
    for thread in threads:
        thread.join(10)
    store.dispose()
    assert order == ["first ends", "second begins"]
