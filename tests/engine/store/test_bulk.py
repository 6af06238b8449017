"""``insert_many`` stores exactly what SQLAlchemy's own executemany stores, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    bindparam,
    cast,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import NullType

from engine.platform import Platform
from engine.store.bulk import insert_many, next_ids
from engine.store.types import JSONType, UTCDateTime, pg_text_array


def twin_tables(name: str) -> tuple[MetaData, Table, Table]:
    metadata = MetaData()

    def table(suffix: str) -> Table:
        return Table(
            f"{name}_{suffix}",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("text", String(64)),
            Column("amount", Numeric(18, 2)),
            Column("ratio", Float),
            Column("flag", Boolean),
            Column("day", Date),
            Column("at", Time),
            Column("moment", UTCDateTime()),
            Column("doc", JSONType),
            Column("notes", Text),
        )

    return metadata, table("bulk"), table("orm")


NOW = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=UTC)
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "text": "一",
        "amount": Decimal("1234.50"),
        "ratio": 0.125,
        "flag": True,
        "day": date(2024, 2, 29),
        "at": time(9, 30),
        "moment": NOW,
        "doc": {"province": "浙江省", "city": "杭州市", "n": [1, 2.5, None]},
        "notes": None,
    },
    {
        "id": 2,
        "text": "",
        "amount": Decimal("0"),
        "ratio": None,
        "flag": False,
        "day": None,
        "at": None,
        "moment": NOW,  # repeated: converted once, stored the same
        "doc": None,
        "notes": "x" * 1000,
    },
    {
        "id": 3,
        "text": None,
        "amount": None,
        "ratio": -1e-7,
        "flag": None,
        "day": date(1999, 12, 31),
        "at": time(23, 59, 59, 999999),
        "moment": NOW.astimezone(timezone(timedelta(hours=8))),
        "doc": ["a", {"b": True}],
        "notes": "",
    },
    {
        "id": 4,
        "text": "tab\there, line\nbreak, back\\slash",
        "amount": None,
        "ratio": None,
        "flag": None,
        "day": None,
        "at": None,
        "moment": NOW,
        # What COPY's text format escapes, inside a JSON document.
        "doc": {"q": 'say "hi"\t\n\\', "empty": "", "nested": {"list": []}},
        "notes": "\\N is not NULL",
    },
]


def stored(conn: Any, table: Table) -> list[tuple[Any, ...]]:
    """Every column as the database renders it in text, and as SQLAlchemy reads it."""
    as_text = [cast(column, Text) for column in table.columns]
    return [
        (*texts, *typed)
        for texts, typed in zip(
            conn.execute(select(*as_text).order_by(table.c.id)).all(),
            conn.execute(select(table).order_by(table.c.id)).all(),
            strict=True,
        )
    ]


@pytest.mark.filterwarnings("ignore:Dialect sqlite.*Decimal")
def test_insert_many_stores_what_sqlalchemy_stores(platform: Platform, tenant: str) -> None:
    metadata, bulk, orm = twin_tables("twin")
    with platform.store.write(tenant) as conn:
        metadata.create_all(conn)
        insert_many(conn, bulk, ROWS)
        conn.execute(insert(orm), ROWS)
        assert stored(conn, bulk) == stored(conn, orm)
        assert len(stored(conn, bulk)) == len(ROWS)


def test_insert_many_of_nothing_does_nothing(platform: Platform, tenant: str) -> None:
    metadata, bulk, _ = twin_tables("empty")
    with platform.store.write(tenant) as conn:
        metadata.create_all(conn)
        insert_many(conn, bulk, [])
        assert conn.scalar(select(bulk.c.id)) is None


def test_insert_many_refuses_rows_missing_a_column(platform: Platform, tenant: str) -> None:
    metadata, bulk, _ = twin_tables("short")
    with platform.store.write(tenant) as conn:
        metadata.create_all(conn)
        with pytest.raises(KeyError):
            insert_many(conn, bulk, [{"id": 1, "text": "a"}, {"id": 2}])


def test_a_broken_constraint_is_sqlalchemys_integrity_error(
    platform: Platform, tenant: str
) -> None:
    metadata, bulk, _ = twin_tables("clash")
    with platform.store.write(tenant) as conn:
        metadata.create_all(conn)
    with pytest.raises(IntegrityError), platform.store.write(tenant) as conn:
        insert_many(conn, bulk, [{"id": 1, "text": "a"}, {"id": 1, "text": "b"}])
    with platform.store.read(tenant) as conn:
        assert conn.scalar(select(func.count()).select_from(bulk)) == 0


def test_a_value_failing_conversion_midway_stores_nothing(platform: Platform, tenant: str) -> None:
    """On PostgreSQL rows are converted while COPY streams them: a value that
    fails after thousands of rows were sent still raises its own error."""
    metadata, bulk, _ = twin_tables("midway")
    rows: list[dict[str, Any]] = [{"id": i, "moment": NOW} for i in range(1, 5001)]
    rows[4000]["moment"] = NOW.replace(tzinfo=None)  # naive: UTCDateTime refuses it
    with platform.store.write(tenant) as conn:
        metadata.create_all(conn)
    with pytest.raises(ValueError, match="naive datetime"), platform.store.write(tenant) as conn:
        insert_many(conn, bulk, rows)
    with platform.store.read(tenant) as conn:
        assert conn.scalar(select(func.count()).select_from(bulk)) == 0


def test_next_ids_are_new_and_never_given_again(platform: Platform, tenant: str) -> None:
    metadata, bulk, _ = twin_tables("ids")
    with platform.store.write(tenant) as conn:
        metadata.create_all(conn)
        conn.execute(insert(bulk), [{"text": "before"}])
        first = next_ids(conn, bulk, 3000)
        assert len(set(first)) == 3000 and first == sorted(first)
        assert min(first) > 1
        insert_many(conn, bulk, [{"id": i, "text": str(i)} for i in first])
        assert next_ids(conn, bulk, 0) == []
        (after,) = next_ids(conn, bulk, 1)
        assert after > max(first)


MANY_TEXTS = [
    "plain",
    "",
    "NULL",
    "null",
    'say "hi"',
    "back\\slash\\",
    '\\"',
    "{a,b}",
    "a,b",
    " spaced ",
    "tab\there\nline",
    "浙江省杭州市",
    "emoji 🙂",
]


# PostgreSQL only: what it checks exists on no other database.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_pg_text_array_binds_every_text_as_it_is(
    backend: str, platform: Platform, tenant: str
) -> None:
    untyped = bindparam("values", type_=NullType())
    with platform.store.read(tenant) as conn:
        read = conn.scalar(
            select(cast(untyped, ARRAY(String(200)))), {"values": pg_text_array(MANY_TEXTS)}
        )
        assert read == MANY_TEXTS
        assert conn.scalar(select(cast(untyped, ARRAY(Text))), {"values": pg_text_array([])}) == []
