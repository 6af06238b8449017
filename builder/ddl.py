"""Physical changes to app tables on both databases, through Alembic's operations API.

Every change here is a plain ``ALTER`` (add, rename, index) that both
databases run in place and inside the caller's transaction. SQLite's table
rebuild (Alembic's "batch" mode: copy into a new table, drop the old one) is
deliberately never used: with foreign keys enforced, dropping the old table
runs its ``ON DELETE`` actions, which would empty every sub-table and every
cascading link pointing at it. Where SQLite cannot alter something in place
(a ``UNIQUE`` written into ``CREATE TABLE``), the column is rebuilt next to
the old one instead (``rebuild_column``) and the old one is archived.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    bindparam,
    column,
    func,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import TableClause
from sqlalchemy.types import TypeEngine

from engine.forms.authoring import physical_name
from engine.store.tables import NAMING_CONVENTION

#: Rows read or written per statement when values move through Python.
BATCH = 2000

IndexKind = Literal["index", "constraint", "inline"]


@dataclass(frozen=True)
class PhysicalIndex:
    """An index as the database has it (``inline``: SQLite ``UNIQUE`` in ``CREATE TABLE``)."""

    name: str
    columns: tuple[str, ...]
    unique: bool
    kind: IndexKind


@dataclass(frozen=True)
class WantedIndex:
    """An index or unique constraint a runtime table declares, named for one dialect."""

    name: str
    columns: tuple[str, ...]
    unique: bool


def alembic_operations(conn: Connection) -> Operations:
    """Alembic operations bound to the caller's connection and transaction."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    return Operations(MigrationContext.configure(conn, opts={"target_metadata": metadata}))


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def alter_index_name(conn: Connection, ops: Operations, old: str, new: str) -> None:
    """PostgreSQL only (Alembic has no operation for it); renames a constraint's index too."""
    ops.execute(text(f"ALTER INDEX {quote(conn, old)} RENAME TO {quote(conn, new)}"))


def archive_name(version_id: int, name: str) -> str:
    """The name a column or table gets when archived by app version ``version_id``.

    Keys start with a letter, so a leading ``_`` can never meet a field or
    entity; the version makes the name unique per archiving.
    """
    return physical_name(f"_v{version_id}", name)


def archive_column_name(conn: Connection, table_name: str, version_id: int, name: str) -> str:
    """``archive_name`` for a column, unless one publish archives the same column twice
    (a unique constraint removed and a type changed): then ``_v<id>x2_…``."""
    taken = {str(c["name"]) for c in inspect(conn).get_columns(table_name)}
    for attempt in range(1, 100):
        prefix = f"_v{version_id}" if attempt == 1 else f"_v{version_id}x{attempt}"
        candidate = physical_name(prefix, name)
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free archive name for {table_name}.{name}")


def temporary_name(name: str) -> str:
    return physical_name("_new", name)


# -- indexes --------------------------------------------------------------------
def physical_indexes(conn: Connection, table_name: str) -> list[PhysicalIndex]:
    """The indexes and unique constraints of a table, primary key excluded."""
    found: list[PhysicalIndex] = []
    if is_sqlite(conn):
        rows = conn.exec_driver_sql(f"PRAGMA index_list({quote(conn, table_name)})").all()
        for row in rows:
            name, unique, origin = row[1], bool(row[2]), row[3]
            if origin == "pk":
                continue
            info = conn.exec_driver_sql(f"PRAGMA index_info({quote(conn, name)})").all()
            columns = tuple(str(r[2]) for r in sorted(info, key=lambda r: r[0]))
            kind: IndexKind = "index" if origin == "c" else "inline"
            found.append(PhysicalIndex(str(name), columns, unique, kind))
        return found
    inspector = inspect(conn)
    for constraint in inspector.get_unique_constraints(table_name):
        columns = tuple(str(c) for c in constraint["column_names"])
        found.append(PhysicalIndex(str(constraint["name"]), columns, True, "constraint"))
    for index in inspector.get_indexes(table_name):
        if index.get("duplicates_constraint"):
            continue
        columns = tuple(str(c) for c in index["column_names"])
        found.append(PhysicalIndex(str(index["name"]), columns, bool(index["unique"]), "index"))
    return found


def find_index(
    conn: Connection, table_name: str, columns: Sequence[str], unique: bool
) -> PhysicalIndex | None:
    wanted = tuple(columns)
    return next(
        (
            ix
            for ix in physical_indexes(conn, table_name)
            if ix.columns == wanted and ix.unique == unique
        ),
        None,
    )


def _index_name(item: Index | UniqueConstraint | PrimaryKeyConstraint, dialect: Dialect) -> str:
    # The dialect applies the naming convention and PostgreSQL's 63-byte limit.
    name = dialect.identifier_preparer.format_constraint(item)
    return str(name).strip('"')


def wanted_indexes(runtime_table: Table, dialect: Dialect) -> list[WantedIndex]:
    """What a runtime table asks for: its indexes and its unique constraints."""
    wanted: list[WantedIndex] = []
    for index in runtime_table.indexes:
        columns = tuple(c.name for c in index.columns)
        wanted.append(WantedIndex(_index_name(index, dialect), columns, bool(index.unique)))
    for constraint in runtime_table.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = tuple(c.name for c in constraint.columns)
            wanted.append(WantedIndex(_index_name(constraint, dialect), columns, True))
    return wanted


def create_index(ops: Operations, table_name: str, wanted: WantedIndex) -> None:
    ops.create_index(wanted.name, table_name, list(wanted.columns), unique=wanted.unique)


def drop_index(ops: Operations, table_name: str, index: PhysicalIndex) -> None:
    """Drop an index or unique constraint; SQLite's inline ones cannot be (see module doc)."""
    if index.kind == "constraint":
        ops.drop_constraint(index.name, table_name, type_="unique")
    elif index.kind == "index":
        ops.drop_index(index.name, table_name=table_name)
    else:
        raise ValueError(f"{index.name} is part of the table definition and cannot be dropped")


def rename_index(
    conn: Connection, ops: Operations, table_name: str, index: PhysicalIndex, new_name: str
) -> None:
    if index.name == new_name or index.kind == "inline":
        return
    if is_sqlite(conn):
        # SQLite has no ALTER INDEX: the index is built again under its new name.
        ops.drop_index(index.name, table_name=table_name)
        ops.create_index(new_name, table_name, list(index.columns), unique=index.unique)
    else:
        alter_index_name(conn, ops, index.name, new_name)


def ensure_index(conn: Connection, ops: Operations, table_name: str, wanted: WantedIndex) -> None:
    """Create the index unless an equal one exists, which is renamed if need be."""
    existing = find_index(conn, table_name, wanted.columns, wanted.unique)
    if existing is None:
        create_index(ops, table_name, wanted)
    else:
        rename_index(conn, ops, table_name, existing, wanted.name)


def sync_index_names(
    conn: Connection, ops: Operations, table_name: str, wanted: Sequence[WantedIndex]
) -> None:
    """Give existing indexes the names the runtime table expects (after a rename)."""
    for index in physical_indexes(conn, table_name):
        match = next(
            (w for w in wanted if w.columns == index.columns and w.unique == index.unique), None
        )
        if match is not None:
            rename_index(conn, ops, table_name, index, match.name)


def drop_indexes_on(conn: Connection, ops: Operations, table_name: str, column_name: str) -> None:
    """Drop what indexes a column (on PostgreSQL its foreign keys too) before it is archived.

    SQLite keeps inline ``UNIQUE`` and ``REFERENCES`` clauses: they stay with
    the archived column, which only ever receives NULLs from then on.
    """
    for index in physical_indexes(conn, table_name):
        if column_name in index.columns and index.kind != "inline":
            drop_index(ops, table_name, index)
    if not is_sqlite(conn):
        for fk in inspect(conn).get_foreign_keys(table_name):
            if column_name in fk["constrained_columns"] and fk["name"]:
                ops.drop_constraint(fk["name"], table_name, type_="foreignkey")


def archive_table(
    conn: Connection, ops: Operations, table_name: str, archived: str, version_id: int
) -> None:
    """Rename a table out of the way; its index names are freed for new tables.

    PostgreSQL renames the indexes (and the primary key) in the catalogue;
    SQLite cannot rename an index, so its explicit indexes are dropped and
    rebuilt when the table is restored.
    """
    indexes = physical_indexes(conn, table_name)
    if is_sqlite(conn):
        for index in indexes:
            if index.kind == "index":
                drop_index(ops, table_name, index)
        ops.rename_table(table_name, archived)
        return
    primary = inspect(conn).get_pk_constraint(table_name).get("name")
    ops.rename_table(table_name, archived)
    names = [ix.name for ix in indexes] + ([primary] if primary else [])
    for name in names:
        alter_index_name(conn, ops, name, archive_name(version_id, name))


def rename_primary_key(conn: Connection, ops: Operations, runtime_table: Table) -> None:
    """Give a renamed table's primary key the name the runtime expects.

    Only PostgreSQL names it (its index name is schema-wide, so a table that
    moved must free the old name); SQLite's integer primary key has no index.
    """
    if is_sqlite(conn):
        return
    current = inspect(conn).get_pk_constraint(runtime_table.name).get("name")
    wanted = _index_name(runtime_table.primary_key, conn.dialect)
    if current and current != wanted:
        alter_index_name(conn, ops, current, wanted)


def restore_table(conn: Connection, ops: Operations, archived: str, runtime_table: Table) -> None:
    """Bring an archived table back under the name and indexes ``runtime_table`` has."""
    ops.rename_table(archived, runtime_table.name)
    rename_primary_key(conn, ops, runtime_table)
    for wanted in wanted_indexes(runtime_table, conn.dialect):
        ensure_index(conn, ops, runtime_table.name, wanted)


# -- columns ---------------------------------------------------------------------
def detached_column(source: Column[Any], name: str | None = None) -> Column[Any]:
    """A copy of a runtime column to add to an existing table: its type and
    foreign key, without ``index=True`` (indexes are planned separately)."""
    foreign_keys = [
        ForeignKey(fk.target_fullname, ondelete=fk.ondelete) for fk in source.foreign_keys
    ]
    return Column(name or source.name, source.type, *foreign_keys, nullable=True)


def add_column(conn: Connection, ops: Operations, table_name: str, source: Column[Any]) -> None:
    """Add a nullable column without a default: no rewrite of existing rows on either database."""
    # SQLite cannot ALTER a constraint in, so a foreign key goes inline with the column.
    ops.add_column(table_name, detached_column(source), inline_references=is_sqlite(conn))


def rename_column(ops: Operations, table_name: str, old: str, new: str) -> None:
    if old != new:
        ops.alter_column(table_name, old, new_column_name=new)


def column_ddl(source: Column[Any], dialect: Dialect) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What the database stores for a column: its type and foreign keys."""
    type_sql = source.type.compile(dialect=dialect)
    foreign_keys = tuple(
        sorted((fk.target_fullname, str(fk.ondelete or "")) for fk in source.foreign_keys)
    )
    return type_sql, foreign_keys


SQLITE_AFFINITY = (("INT", "INTEGER"), ("CHAR", "TEXT"), ("CLOB", "TEXT"), ("TEXT", "TEXT"))


def sqlite_affinity(type_sql: str) -> str:
    """SQLite's storage class rule for a declared type (section 3.1 of its datatype docs)."""
    upper = type_sql.upper()
    for needle, affinity in SQLITE_AFFINITY:
        if needle in upper:
            return affinity
    if not upper or "BLOB" in upper:
        return "BLOB"
    if any(needle in upper for needle in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def light_table(table_name: str, *columns: ColumnClause[Any]) -> TableClause:
    """A typed stand-in for a physical table whose name may not be in any runtime."""
    return table(table_name, column("id", Integer), *columns)


def count_rows(conn: Connection, table_name: str) -> int:
    return int(conn.scalar(select(func.count()).select_from(light_table(table_name))) or 0)


def scan(
    conn: Connection,
    table_name: str,
    column_name: str,
    column_type: TypeEngine[Any],
    extra: Sequence[str] = (),
) -> Iterator[list[Any]]:
    """Rows ``(id, value, *extra)`` with a non-NULL value, in id order, a batch at a time."""
    value = column(column_name, column_type)
    others = [column(name, Integer) for name in extra]
    source = light_table(table_name, value, *others)
    query = select(source.c.id, value, *others).where(value.is_not(None)).order_by(source.c.id)
    last = 0
    for _ in range(count_rows(conn, table_name) // BATCH + 2):
        rows = list(conn.execute(query.where(source.c.id > last).limit(BATCH)))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def write_values(
    conn: Connection,
    table_name: str,
    column_name: str,
    column_type: TypeEngine[Any],
    values: Sequence[tuple[int, Any]],
) -> None:
    """Set one column of many rows (``(id, value)`` pairs) in one executemany."""
    if not values:
        return
    target = light_table(table_name, column(column_name, column_type))
    statement = (
        update(target)
        .where(target.c.id == bindparam("_id"))
        .values({column_name: bindparam("_value", type_=column_type)})
    )
    conn.execute(statement, [{"_id": i, "_value": v} for i, v in values])
