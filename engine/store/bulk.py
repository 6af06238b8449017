"""Many-row INSERTs with the driver's own ``executemany``.

``Connection.execute(insert(table), rows)`` converts each value of each row
through SQLAlchemy's generic parameter machinery. For the 10,000 rows of a
bulk create (and their 10,000 audit entries) that machinery, not the
database, is most of the cost. ``insert_many`` compiles the statement once
per (table, columns, dialect), converts each value with the very bind
processor of its column type that SQLAlchemy would use (so what is stored is
the same), converts a value repeated from the previous row (the same
timestamp, the same user) only once, and hands all rows to the driver in
one ``executemany`` (on PostgreSQL one ``COPY``), inside the caller's
transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import Null

from engine.store.types import json_dumps

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    #: Per parameter in the statement's order: its name and the row key it takes.
    names: tuple[str, ...]
    keys: tuple[str, ...]
    processors: tuple[Processor, ...]
    #: qmark/numeric styles take a tuple per row; named styles a dict.
    positional: bool


_PLANS: dict[tuple[int, tuple[str, ...], str], tuple[Table, _Plan]] = {}
_LOCK = threading.Lock()
_NOTHING = object()


def _plan(table: Table, keys: tuple[str, ...], dialect: Dialect) -> _Plan:
    # Keyed by the table's identity; the table is kept alive with its plan so
    # the identity cannot be reused by another table.
    cache_key = (id(table), keys, dialect.name)
    cached = _PLANS.get(cache_key)
    if cached is not None and cached[0] is table:
        return cached[1]
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    positional = compiled.positional
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
    order: list[str] = []
    processors: list[Processor] = []
    for name in names:
        bind = compiled.binds[name]
        column_key = str(bind.key)
        if column_key not in keys:
            raise ValueError(f"unexpected parameter {name!r} in INSERT into {table.name}")
        order.append(column_key)
        if dialect.name == "postgresql" and isinstance(bind.type, JSON):
            # COPY sends text that the server parses as JSONB: the JSON text
            # itself, not psycopg's JSONB wrapper dumped again row by row.
            processors.append(_json_text)
        else:
            processors.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
    plan = _Plan(compiled.string, names, tuple(order), tuple(processors), compiled.positional)
    with _LOCK:
        _PLANS[cache_key] = (table, plan)
    return plan


def _json_text(value: Any) -> str | None:
    """A JSON column's value as COPY text, with SQLAlchemy's meaning of ``None``
    (JSON ``null``, as the columns do not set ``none_as_null``)."""
    if isinstance(value, Null):
        return None
    return json_dumps(None if value is JSON.NULL else value)


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (each with the same keys) into ``table`` with one executemany."""
    if not rows:
        return
    plan = _plan(table, tuple(rows[0]), conn.dialect)
    pick = itemgetter(*plan.keys)
    # Only some columns convert their values (timestamps, JSON, decimals);
    # the rest go to the driver as they are.
    converted = [
        (i, processor, [_NOTHING, None])
        for i, processor in enumerate(plan.processors)
        if processor is not None
    ]

    def convert(row: Mapping[str, Any]) -> list[Any]:
        picked = pick(row)
        values = list(picked) if len(plan.keys) > 1 else [picked]
        for i, processor, last in converted:
            value = values[i]
            if value is last[0]:
                values[i] = last[1]
            else:
                last[0] = value
                values[i] = last[1] = processor(value)
        return values

    if conn.dialect.name == "postgresql":
        # Converted as they are sent: the server parses and stores the rows
        # already sent (another process, another CPU) while the next ones convert.
        _copy(conn, table, plan, map(convert, rows))
    elif plan.positional:
        conn.exec_driver_sql(plan.sql, [tuple(convert(row)) for row in rows])
    else:
        conn.exec_driver_sql(
            plan.sql, [dict(zip(plan.names, convert(row), strict=True)) for row in rows]
        )


def _copy(conn: Connection, table: Table, plan: _Plan, rows: Iterable[list[Any]]) -> None:
    """PostgreSQL: ``COPY … FROM STDIN``, its fastest way in, on the caller's transaction.

    The values are converted as for an INSERT (JSON as its text, timestamps
    aware); the server parses them by the columns' types and checks
    every constraint as an INSERT would. Driver errors become SQLAlchemy's.
    """
    quote = conn.dialect.identifier_preparer
    columns = ", ".join(quote.quote(table.c[key].name) for key in plan.keys)
    sql = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    driver: Any = conn.connection.driver_connection
    dbapi = conn.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as err:
        raise DBAPIError.instance(sql, None, err, dbapi.Error) from err


_SQLITE_SEQUENCE = text("SELECT seq FROM sqlite_sequence WHERE name = :name")
#: The sequence is looked up once (``MATERIALIZED``), not once per id: the
#: lookup by name costs PostgreSQL several times the ``nextval`` itself. The
#: ids come back as one array rather than n rows.
_PG_NEXT_IDS = text(
    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(:table, 'id')::regclass AS seq) "
    "SELECT array_agg(nextval(s.seq)) FROM s, generate_series(1, :n)"
)


def next_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` new ids of a table whose ids are never reused, for ``insert_many``.

    With the ids known, rows go in through the driver's ``executemany``
    (SQLite) or ``COPY`` (PostgreSQL) instead of an INSERT … RETURNING that
    SQLAlchemy splits and converts row by row. PostgreSQL: the table's own
    sequence, in one query. SQLite: the caller holds the write lock (every
    write transaction begins IMMEDIATE), so it numbers the rows itself above
    the highest id the table ever gave out (its AUTOINCREMENT counter);
    inserting them moves that counter on.
    """
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        return [int(i) for i in conn.scalar(_PG_NEXT_IDS, {"table": table.name, "n": n})]
    counter = conn.scalar(_SQLITE_SEQUENCE, {"name": table.name}) or 0
    highest = conn.scalar(select(func.max(table.c.id))) or 0
    first = max(int(counter), int(highest)) + 1
    return list(range(first, first + n))


__all__ = ["insert_many", "next_ids"]
