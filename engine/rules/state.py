"""The rule engine's small named state (``rule_state``): cursors, last ticks, done timers.

Keys are namespaced by what keeps them: ``rr:<app>/<rule>/<effect>/<set>``
(a round-robin cursor), ``sched:<app>/<rule>`` (a schedule rule's last
tick), ``backfill:<app>`` (the version whose date rules have timers),
``done:<app>/<rule>/<record>`` (a date timer that finished, with its anchor).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.store.tables import rule_state

#: Keys looked up per ``IN (…)``.
CHUNK = 500


def get_state(conn: Connection, key: str) -> Any:
    """The value kept under ``key``, or None."""
    return conn.scalar(select(rule_state.c.value).where(rule_state.c.key == key))


def get_states(conn: Connection, keys: Iterable[str]) -> dict[str, Any]:
    """The values kept under these keys (missing ones left out)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = select(rule_state.c.key, rule_state.c.value).where(rule_state.c.key.in_(chunk))
        found.update({row.key: row.value for row in conn.execute(query)})
    return found


def put_states(conn: Connection, values: Mapping[str, Any], now: datetime) -> None:
    """Insert or replace these keys, in one statement."""
    if not values:
        return
    rows = [{"key": k, "value": v, "updated_at": now} for k, v in values.items()]
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(rule_state)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[rule_state.c.key],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        ),
        rows,
    )


def put_state(conn: Connection, key: str, value: Any, now: datetime) -> None:
    put_states(conn, {key: value}, now)


def drop_states(conn: Connection, keys: Iterable[str]) -> None:
    wanted = list(keys)
    for start in range(0, len(wanted), CHUNK):
        conn.execute(delete(rule_state).where(rule_state.c.key.in_(wanted[start : start + CHUNK])))


__all__ = ["drop_states", "get_state", "get_states", "put_state", "put_states"]
