"""Where a tenant's data lives, and how to get a connection to it.

Isolation is structural: on SQLite every tenant is its own database file, on
PostgreSQL its own schema reached through a connection whose ``search_path``
names only that schema. Code that holds a tenant connection cannot see
another tenant's tables by forgetting a ``WHERE``.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from engine.errors import DomainError
from engine.i18n import Message
from engine.store import migrate
from engine.store.tables import tenants
from engine.store.types import json_dumps

TENANT_KEY = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class TenantNotFound(DomainError, LookupError):
    """No tenant of that key (404)."""

    status = 404
    title = "Not found"

    def __init__(self, key: str) -> None:
        super().__init__(Message("account.tenant_missing", tenant=key))
        self.key = key


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
    # so that DDL is transactional too (an app install is all or nothing).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that later
    # upgrades to a writer fails with SQLITE_BUSY instead of waiting.
    if conn.get_execution_options().get("formwork_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


#: Seconds SQLite's busy handler waits for the write lock (``PRAGMA busy_timeout``),
#: and at most as long a writer waits for its turn in this process.
SQLITE_BUSY_TIMEOUT_S = 10.0

#: PostgreSQL connections a tenant (or the catalogue) keeps open for reuse, and
#: how many more it may open for a burst (closed again when they come back).
#: Sized so the threads that can hold a connection at once, anyio's 40 worker
#: threads, never wait for one, and so that 16 concurrent requests (each holds
#: one at a time: the session check's, then the write's) all reuse kept ones.
#: At 5 + 5, each overflow connection was closed as it came back, so 2,000
#: creates from 8 clients opened 70-200 connections (docs/performance.md, issue 9).
PG_POOL_SIZE = 16
PG_MAX_OVERFLOW = 24


def _sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False},
        pool_size=8,
        max_overflow=8,
        json_serializer=json_dumps,
    )
    event.listen(engine, "connect", sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


class Store:
    """Engines for the catalogue and for every tenant, created lazily."""

    def __init__(self, database_url: str, data_dir: Path, pg_schema_prefix: str = "fw_") -> None:
        self.url = make_url(database_url)
        self.data_dir = data_dir
        self.dialect = self.url.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,20}", pg_schema_prefix):
            raise ValueError(f"invalid schema prefix {pg_schema_prefix!r}")
        self.pg_schema_prefix = pg_schema_prefix
        self._tenant_engines: dict[str, Engine] = {}
        self._known_tenants: set[str] = set()
        self._lock = threading.Lock()
        #: SQLite: one lock per tenant file that this process's writers take
        #: before BEGIN IMMEDIATE (see ``write``).
        self._writer_turns: dict[str, threading.RLock] = {}
        #: Called after every ``write`` transaction ends, committed or not, on
        #: its connection: the job runner raises the catalogue's due-work hint
        #: here (engine/jobs/due.py), after the tenant's commit.
        self.after_write: list[Callable[[Store, str, Connection, bool], None]] = []
        if self.dialect == "sqlite":
            self._sqlite_path = Path(self.url.database or str(data_dir / "formwork.db"))
            self.catalog = _sqlite_engine(self._sqlite_path)
        else:
            self._pg_admin = create_engine(self.url, poolclass=NullPool)
            self.catalog = self._pg_engine(self.catalog_schema)

    # -- locations -----------------------------------------------------------
    @property
    def catalog_schema(self) -> str:
        return f"{self.pg_schema_prefix}catalog"

    def tenant_schema(self, key: str) -> str:
        return f"{self.pg_schema_prefix}t_{key}"

    def tenant_file(self, key: str) -> Path:
        return self._sqlite_path.parent / "tenants" / f"{key}.db"

    def _pg_engine(self, schema: str) -> Engine:
        return create_engine(
            self.url,
            connect_args={"options": f"-csearch_path={schema}"},
            pool_size=PG_POOL_SIZE,
            max_overflow=PG_MAX_OVERFLOW,
            pool_pre_ping=False,
            json_serializer=json_dumps,
        )

    # -- set-up ---------------------------------------------------------------
    def migrate_catalog(self) -> None:
        if self.dialect == "postgresql":
            self._create_schema(self.catalog_schema)
        migrate.upgrade(self.catalog, "catalog")

    def migrate_all(self) -> None:
        """Bring the catalogue and every tenant to the newest migration."""
        self.migrate_catalog()
        for key in self.tenant_keys():
            migrate.upgrade(self.tenant_engine(key), "tenant")

    def _create_schema(self, schema: str) -> None:
        with self._pg_admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

    def create_tenant(self, key: str, name: str) -> None:
        """Create the tenant's storage, migrate it, then list it in the catalogue.

        The catalogue row comes last so a tenant is only visible once its
        storage is complete.
        """
        if not TENANT_KEY.fullmatch(key):
            raise ValueError(
                f"invalid tenant key {key!r}: 2-31 lower-case letters, digits or '_', "
                "starting with a letter"
            )
        if self.tenant_exists(key):
            raise ValueError(f"tenant {key!r} already exists")
        if self.dialect == "postgresql":
            self._create_schema(self.tenant_schema(key))
        migrate.upgrade(self._engine_for(key), "tenant")
        with self.catalog.begin() as conn:
            conn.execute(insert(tenants).values(key=key, name=name, created_at=datetime.now(UTC)))

    def drop_tenant(self, key: str) -> None:
        """Remove a tenant and all its data (used by tests and `tenant delete`)."""
        engine = self._tenant_engines.pop(key, None)
        if engine is not None:
            engine.dispose()
        self._known_tenants.discard(key)
        with self.catalog.begin() as conn:
            conn.execute(tenants.delete().where(tenants.c.key == key))
        if self.dialect == "postgresql":
            with self._pg_admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.tenant_schema(key)}" CASCADE'))
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.tenant_file(key)}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(self.data_dir / "files" / key, ignore_errors=True)

    # -- lookup ----------------------------------------------------------------
    def tenant_keys(self) -> list[str]:
        with self.catalog.connect() as conn:
            return list(conn.scalars(select(tenants.c.key).order_by(tenants.c.key)))

    def tenant_exists(self, key: str) -> bool:
        if key in self._known_tenants:
            return True
        with self.catalog.connect() as conn:
            found = conn.scalar(select(tenants.c.id).where(tenants.c.key == key)) is not None
        if found:
            self._known_tenants.add(key)
        return found

    def _engine_for(self, key: str) -> Engine:
        with self._lock:
            engine = self._tenant_engines.get(key)
            if engine is None:
                if self.dialect == "sqlite":
                    engine = _sqlite_engine(self.tenant_file(key))
                else:
                    engine = self._pg_engine(self.tenant_schema(key))
                self._tenant_engines[key] = engine
            return engine

    def tenant_engine(self, key: str) -> Engine:
        if not self.tenant_exists(key):
            raise TenantNotFound(key)
        return self._engine_for(key)

    # -- connections -----------------------------------------------------------
    @contextmanager
    def read(self, tenant: str) -> Iterator[Connection]:
        """A read-only unit of work on one tenant's data."""
        with self.tenant_engine(tenant).connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, tenant: str) -> Iterator[Connection]:
        """One transaction on one tenant's data: commits on success, rolls back on error.

        On SQLite, writers of this process take turns on a lock per tenant before
        ``BEGIN IMMEDIATE``, so they queue in order and start the moment the
        previous one ends; left to SQLite's busy handler they would poll the
        file lock with sleeps of up to 100 ms (a p95 of 37 ms for 8 concurrent
        clients, against a median of 4). ``busy_timeout`` still orders writers
        of other processes (``formwork worker``, the CLI).
        """
        engine = self.tenant_engine(tenant)
        with self._writer_turn(tenant), engine.connect() as conn:
            conn = conn.execution_options(formwork_write=True)
            committed = False
            try:
                with conn.begin():
                    yield conn
                committed = True
            finally:
                for hook in self.after_write:
                    hook(self, tenant, conn, committed)

    @contextmanager
    def _writer_turn(self, tenant: str) -> Iterator[None]:
        """SQLite: this process's turn to write to ``tenant`` (re-entrant: a
        write opened inside another on the same thread does not wait for
        itself). After ``SQLITE_BUSY_TIMEOUT_S`` it goes ahead anyway and
        SQLite's own lock decides, as without the queue. PostgreSQL: no-op."""
        if self.dialect != "sqlite":
            yield
            return
        with self._lock:
            turn = self._writer_turns.setdefault(tenant, threading.RLock())
        acquired = turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_S)
        try:
            yield
        finally:
            if acquired:
                turn.release()

    def dispose(self) -> None:
        for engine in self._tenant_engines.values():
            engine.dispose()
        self._tenant_engines.clear()
        self.catalog.dispose()
        if self.dialect == "postgresql":
            self._pg_admin.dispose()
