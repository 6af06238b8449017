"""to_sql: golden SQL per dialect, refusals, and row-for-row agreement with evaluate()."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engine.expressions import EvalContext, ExpressionError, compile_expression

T = sa.table(
    "opportunity",
    sa.column("stage", sa.String),
    sa.column("amount", sa.Numeric(12, 2)),
    sa.column("budget", sa.Numeric(12, 2)),
    sa.column("qty", sa.Integer),
    sa.column("close_date", sa.Date),
    sa.column("owner", sa.Integer),
    sa.column("is_key", sa.Boolean),
    sa.column("name", sa.String),
)
CTX = EvalContext(user_id=7, now=datetime(2024, 3, 15, 12, 0))
PREFIX = "opportunity."


def sql(source: str, dialect: Any, ctx: EvalContext | None = None) -> str:
    element = compile_expression(source).to_sql(T.c, ctx)
    text = str(element.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return text.replace(PREFIX, "")


# (expression, SQLite, PostgreSQL when different)
GOLDEN: list[tuple[str, str, str | None]] = [
    ("stage == 'lost' and amount > 1000", "stage = 'lost' AND amount > 1000", None),
    ("stage in ['won', 'lost']", "stage IN ('won', 'lost')", None),
    ("stage not in ['won', 'lost']", "(stage NOT IN ('won', 'lost')) OR stage IS NULL", None),
    ("stage in ['won', None]", "stage IN ('won') OR stage IS NULL", None),
    ("stage not in ['won', None]", "(stage NOT IN ('won')) AND stage IS NOT NULL", None),
    ("stage in []", "0", "false"),
    ("stage not in []", "1", "true"),
    ("not (amount > 1000)", "amount <= 1000 OR amount IS NULL", None),
    (
        "not (stage == 'lost' or amount >= 10)",
        "(stage != 'lost' OR stage IS NULL) AND (amount < 10 OR amount IS NULL)",
        None,
    ),
    ("amount != 5", "amount != 5 OR amount IS NULL", None),
    ("amount == None", "amount IS NULL", None),
    ("None != amount", "amount IS NOT NULL", None),
    ("stage is None", "stage IS NULL", None),
    ("stage is not None", "stage IS NOT NULL", None),
    ("amount == budget", "amount IS budget", "amount IS NOT DISTINCT FROM budget"),
    ("amount != budget", "amount IS NOT budget", "amount IS DISTINCT FROM budget"),
    ("1 < qty <= 5", "1 < qty AND qty <= 5", None),
    ("qty > -1", "qty > -1", None),
    (
        "amount / qty > 2",
        "amount / (nullif(qty, 0) + 0.0) > 2",
        "amount / CAST(nullif(qty, 0) AS NUMERIC) > 2",
    ),
    ("amount / 4", "amount / (4 + 0.0)", "amount / CAST(4 AS NUMERIC)"),
    ("amount / 0", "NULL", None),
    ("qty * 2 + 1 - amount", "(qty * 2 + 1) - amount", None),
    ("-amount < -5", "-amount < -5", None),
    ("stage + '!' == 'won!'", "(stage || '!') = 'won!'", None),
    ("ISBLANK(name)", "name IS NULL OR name = ''", None),
    ("not ISBLANK(name)", "name IS NOT NULL AND name != ''", None),
    ("ISBLANK(amount)", "amount IS NULL", None),
    (
        "NOT(AND(qty > 1, OR(stage == 'won', amount < 10)))",
        "qty <= 1 OR qty IS NULL OR (stage != 'won' OR stage IS NULL) "
        "AND (amount >= 10 OR amount IS NULL)",
        None,
    ),
    ("is_key", "is_key", None),
    ("not is_key", "is_key IS NOT 1", "is_key IS NOT true"),
    ("close_date < TODAY()", "close_date < CURRENT_DATE", None),
    ("=amount >= 1000 or ISBLANK(stage)", "amount >= 1000 OR stage IS NULL OR stage = ''", None),
]


@pytest.mark.parametrize(("source", "sqlite_sql", "pg_sql"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_sql(source: str, sqlite_sql: str, pg_sql: str | None) -> None:
    assert sql(source, sqlite.dialect()) == sqlite_sql
    assert sql(source, postgresql.dialect()) == (pg_sql or sqlite_sql)


def test_context_binds_today_and_current_user() -> None:
    assert sql("close_date < TODAY()", sqlite.dialect(), CTX) == "close_date < '2024-03-15'"
    assert sql("close_date >= TODAY() - 7", sqlite.dialect(), CTX) == "close_date >= '2024-03-08'"
    assert (
        sql("close_date >= DATEADD(TODAY(), -1, 'month')", postgresql.dialect(), CTX)
        == "close_date >= '2024-02-15'"
    )
    assert sql("owner == CURRENT_USER()", postgresql.dialect(), CTX) == "owner = 7"
    anonymous = EvalContext(user_id=None)
    assert sql("owner == CURRENT_USER()", sqlite.dialect(), anonymous) == "owner IS NULL"


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("amount ** 2 > 1", "operator '**'"),
        ("amount // 2", "operator '//'"),
        ("amount % 2", "operator '%'"),
        ("ROUND(amount, 2) > 1", "ROUND()"),
        ("IF(is_key, 1, 2)", "IF()"),
        ("1 if is_key else 2", "'… if … else …'"),
        ("stage in tags", "'in' with something other than a list"),
        ("stage in [name]", "'in' a list that holds more than plain values"),
        ("[1, 2]", "a list outside"),
        ("missing > 1", "field 'missing'"),
        ("not amount", "field 'amount' on its own"),
        ("amount + 1 and is_key", "as a condition"),
        ("owner == CURRENT_USER()", "CURRENT_USER() without a user context"),
        ("close_date + 30 > DATE(2024, 1, 1)", "date arithmetic"),
        ("close_date >= TODAY() - 7", "date arithmetic"),
    ],
)
def test_outside_the_subset_is_refused(source: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match="cannot be used in a database filter") as info:
        compile_expression(source).to_sql(T.c)
    assert fragment in info.value.message
    assert info.value.position is not None


# ------------------------------------------------ SQL agrees with evaluate()

ROWS: list[dict[str, Any]] = [
    {"stage": "lost", "amount": 1500, "budget": 1500, "qty": 3, "is_key": True, "name": "A"},
    {"stage": "won", "amount": 800, "budget": None, "qty": 0, "is_key": False, "name": ""},
    {"stage": None, "amount": None, "budget": None, "qty": None, "is_key": None, "name": None},
    {"stage": "proposal", "amount": 5, "budget": 7, "qty": 1, "is_key": None, "name": "B"},
    {"stage": "lost", "amount": 20, "budget": None, "qty": 6, "is_key": False, "name": "C"},
    {"stage": "won", "amount": None, "budget": 0, "qty": 2, "is_key": True, "name": None},
]
for i, row in enumerate(ROWS):
    row["id"] = i + 1
    row["owner"] = 7 if i % 2 else None
    row["close_date"] = date(2024, 3, 10 + i) if i != 2 else None

VALUE_EXPRESSIONS = {"amount / 4", "amount / 0", "qty * 2 + 1 - amount"}
PARITY = [source for source, _, _ in GOLDEN if source not in VALUE_EXPRESSIONS] + [
    "amount / qty > 100",
    "stage != 'lost'",
    "not (stage != 'lost')",
    "not (amount == budget)",
    "not (amount < budget)",
    "amount - budget >= 0",
    "not (stage in ['won'])",
    "not (stage not in ['won', None])",
    "not is_key or qty > 2",
    "OR(is_key, ISBLANK(stage))",
    "AND(qty >= 1, not is_key)",
    "close_date < TODAY()",
    "close_date >= TODAY() - 2",
    "close_date >= DATEADD(TODAY(), -1, 'week')",
    "close_date > DATE(2024, 3, 11)",
    "qty > ROUND(2.5)",
    "owner == CURRENT_USER()",
    "owner != CURRENT_USER()",
    "True",
    "not None",
]


@pytest.fixture
def database(backend: str) -> Iterator[tuple[sa.Connection, sa.Table]]:
    """A filled table in a rolled-back transaction, on SQLite and PostgreSQL."""
    from tests.conftest import PG_URL

    metadata = sa.MetaData()
    table = sa.Table(
        "expr_parity",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stage", sa.String(20)),
        sa.Column("amount", sa.Integer),
        sa.Column("budget", sa.Integer),
        sa.Column("qty", sa.Integer),
        sa.Column("close_date", sa.Date),
        sa.Column("owner", sa.Integer),
        sa.Column("is_key", sa.Boolean),
        sa.Column("name", sa.String(20)),
        prefixes=["TEMPORARY"],
    )
    engine = sa.create_engine("sqlite://" if backend == "sqlite" else PG_URL)
    with engine.connect() as conn:
        transaction = conn.begin()
        metadata.create_all(conn)
        conn.execute(table.insert(), ROWS)
        yield conn, table
        transaction.rollback()
    engine.dispose()


def test_sql_selects_exactly_the_rows_evaluate_accepts(
    database: tuple[sa.Connection, sa.Table],
) -> None:
    conn, table = database
    rows = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]
    for source in PARITY:
        expr = compile_expression(source)
        condition = expr.to_sql(table.c, CTX)
        matched = list(conn.scalars(sa.select(table.c.id).where(condition).order_by(table.c.id)))
        expected = [row["id"] for row in rows if expr.evaluate(row, CTX)]
        assert matched == expected, source


def test_sql_values_agree_with_evaluate(database: tuple[sa.Connection, sa.Table]) -> None:
    conn, table = database
    rows = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]
    for source in ["amount / qty", "qty * 2 + 1 - amount", "-amount", "amount / 0"]:
        expr = compile_expression(source)
        query = sa.select(table.c.id, expr.to_sql(table.c, CTX)).order_by(table.c.id)
        got = [None if v is None else float(v) for _, v in conn.execute(query)]
        want = [expr.evaluate(row, CTX) for row in rows]
        assert got == [None if v is None else pytest.approx(float(v)) for v in want], source
