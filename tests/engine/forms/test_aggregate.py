"""Grouped aggregates: golden SQL per dialect, and every kind of bad request.

As in tests/engine/forms/test_filters.py, each query is compiled for SQLite
and PostgreSQL with literal binds and compared with the SQL we mean to send;
no database is needed. tests/api/test_aggregate.py proves the numbers on
both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from engine.definition import AppDefinition
from engine.forms.aggregate import (
    MAX_GROUP_BY,
    MAX_GROUPS,
    MAX_MEASURES,
    AggregateQuery,
    buckets,
    catalogue,
    measures,
    plan_aggregate,
)
from engine.forms.errors import RecordInvalid
from engine.forms.filters import filter_from_json
from engine.forms.guard import visible_entity
from engine.forms.runtime import build_runtime

DEFINITION: dict[str, Any] = {
    "key": "crm",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text"},
                {
                    "key": "industry",
                    "type": "select",
                    "options": [{"value": "retail"}, {"value": "software"}],
                },
                {
                    "key": "deals",
                    "type": "rollup",
                    "source": "deal",
                    "via": "customer",
                    "agg": "count",
                },
            ],
        },
        {
            "key": "deal",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text"},
                {"key": "customer", "type": "link", "target": "customer"},
                {"key": "owner", "type": "user"},
                {"key": "stage", "type": "select", "options": [{"value": "new"}, {"value": "won"}]},
                {"key": "amount", "type": "currency"},
                {"key": "score", "type": "number"},
                {"key": "stars", "type": "rating"},
                {"key": "discount", "type": "percent"},
                {"key": "won", "type": "boolean"},
                {"key": "close_date", "type": "date"},
                {"key": "signed_at", "type": "datetime"},
                {"key": "starts", "type": "time"},
                {"key": "net", "type": "formula", "expr": "amount * 2", "result_type": "currency"},
                {"key": "title", "type": "formula", "expr": "name", "result_type": "text"},
                {"key": "tags", "type": "multiselect", "options": [{"value": "vip"}]},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [{"key": "product", "type": "text"}],
                },
                {"key": "industry", "type": "lookup", "link": "customer", "field": "industry"},
                {"key": "count", "type": "select", "options": [{"value": "one"}]},
            ],
        },
    ],
}
APP = build_runtime(AppDefinition.model_validate(DEFINITION))
DEAL = APP.entities["deal"]
SQLITE = sqlite.dialect()
POSTGRES = postgresql.dialect()
LIVE = "deal.deleted_at IS NULL"


def sql(query: AggregateQuery, dialect: Dialect, **kwargs: Any) -> str:
    """The statement as sent, literals inlined, table prefixes dropped, one line."""
    statement = plan_aggregate(DEAL, APP, query, dialect.name, **kwargs).statement
    text = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return " ".join(text.replace("a_crm__", "").split())


def errors_of(query: AggregateQuery, entity: Any = DEAL) -> list[tuple[str, str]]:
    with pytest.raises(RecordInvalid) as caught:
        plan_aggregate(entity, APP, query, "sqlite")
    return [(e.field, e.message) for e in caught.value.errors]


# (query, SQLite, PostgreSQL when it differs)
GOLDEN: list[tuple[AggregateQuery, str, str | None]] = [
    (
        AggregateQuery(["stage"], ["sum:amount", "count"]),
        "SELECT deal.stage AS g0, coalesce(sum(deal.amount), 0) AS m0, count(*) AS m1 "
        f"FROM deal WHERE {LIVE} GROUP BY deal.stage ORDER BY g0 ASC NULLS FIRST "
        "LIMIT 1001 OFFSET 0",
        "SELECT deal.stage AS g0, coalesce(sum(deal.amount), 0) AS m0, count(*) AS m1 "
        f"FROM deal WHERE {LIVE} GROUP BY deal.stage ORDER BY g0 ASC NULLS FIRST LIMIT 1001",
    ),
    # No group: one row over every live record, and no LIMIT.
    (AggregateQuery([], ["count"]), f"SELECT count(*) AS m0 FROM deal WHERE {LIVE}", None),
    # Dates by month; date-times by year in the tenant's time zone (Asia/Shanghai).
    (
        AggregateQuery(["close_date:month", "signed_at:year"], ["avg:score", "max:stars"]),
        "SELECT strftime('%Y-%m', deal.close_date) AS g0, "
        "strftime('%Y', deal.signed_at, '+480 minutes') AS g1, "
        "sum(deal.score) AS m0, count(deal.score) AS m1, max(deal.stars) AS m2 "
        f"FROM deal WHERE {LIVE} GROUP BY strftime('%Y-%m', deal.close_date), "
        "strftime('%Y', deal.signed_at, '+480 minutes') "
        "ORDER BY g0 ASC NULLS FIRST, g1 ASC NULLS FIRST LIMIT 1001 OFFSET 0",
        "SELECT to_char(deal.close_date, 'YYYY-MM') AS g0, "
        "to_char(timezone('Asia/Shanghai', deal.signed_at), 'YYYY') AS g1, "
        "sum(deal.score) AS m0, count(deal.score) AS m1, max(deal.stars) AS m2 "
        f"FROM deal WHERE {LIVE} GROUP BY to_char(deal.close_date, 'YYYY-MM'), "
        "to_char(timezone('Asia/Shanghai', deal.signed_at), 'YYYY') "
        "ORDER BY g0 ASC NULLS FIRST, g1 ASC NULLS FIRST LIMIT 1001",
    ),
    # A date without a unit groups by day.
    (
        AggregateQuery(["signed_at"], ["min:signed_at"]),
        "SELECT strftime('%Y-%m-%d', deal.signed_at, '+480 minutes') AS g0, "
        "min(deal.signed_at) AS m0 "
        f"FROM deal WHERE {LIVE} GROUP BY strftime('%Y-%m-%d', deal.signed_at, '+480 minutes') "
        "ORDER BY g0 ASC NULLS FIRST LIMIT 1001 OFFSET 0",
        "SELECT to_char(timezone('Asia/Shanghai', deal.signed_at), 'YYYY-MM-DD') AS g0, "
        "min(deal.signed_at) AS m0 "
        f"FROM deal WHERE {LIVE} GROUP BY "
        "to_char(timezone('Asia/Shanghai', deal.signed_at), 'YYYY-MM-DD') "
        "ORDER BY g0 ASC NULLS FIRST LIMIT 1001",
    ),
    # References, booleans and system columns; formulas and percents measured.
    (
        AggregateQuery(["owner", "won"], ["sum:net", "avg:discount"]),
        "SELECT deal.owner AS g0, deal.won AS g1, coalesce(sum(deal.net), 0) AS m0, "
        f"sum(deal.discount) AS m1, count(deal.discount) AS m2 FROM deal WHERE {LIVE} "
        "GROUP BY deal.owner, deal.won "
        "ORDER BY g0 ASC NULLS FIRST, g1 ASC NULLS FIRST LIMIT 1001 OFFSET 0",
        None,
    ),
    (
        AggregateQuery(["customer", "created_by"], ["min:close_date"]),
        "SELECT deal.customer AS g0, deal.created_by AS g1, min(deal.close_date) AS m0 "
        f"FROM deal WHERE {LIVE} GROUP BY deal.customer, deal.created_by "
        "ORDER BY g0 ASC NULLS FIRST, g1 ASC NULLS FIRST LIMIT 1001 OFFSET 0",
        None,
    ),
]


@pytest.mark.parametrize(("query", "sqlite_sql", "pg_sql"), GOLDEN)
def test_golden_sql(query: AggregateQuery, sqlite_sql: str, pg_sql: str | None) -> None:
    assert sql(query, SQLITE) == sqlite_sql
    expected = pg_sql or sqlite_sql.replace(" OFFSET 0", "")
    assert sql(query, POSTGRES) == expected


def test_records_are_selected_as_the_list_selects_them() -> None:
    """``?field=value``, ``filter``, ``q`` and the read scope all narrow the records."""
    query = AggregateQuery(
        ["stage"],
        ["count"],
        filters={"won": "true"},
        filter=filter_from_json({"field": "amount", "op": "gte", "value": 100}),
        q="acme",
    )
    scope = literal_column("deal.owner") == 7
    assert sql(query, SQLITE, scope=scope) == (
        "SELECT deal.stage AS g0, count(*) AS m0 FROM deal "
        f"WHERE {LIVE} AND deal.won = 1 AND deal.amount >= 100 AND "
        "(lower(deal.name) LIKE '%' || lower('acme') || '%' ESCAPE '/') "
        "AND deal.owner = 7 "
        "GROUP BY deal.stage ORDER BY g0 ASC NULLS FIRST LIMIT 1001 OFFSET 0"
    )


def test_a_measure_named_twice_is_computed_once() -> None:
    assert sql(AggregateQuery([], ["count", "sum:amount", "count", "sum:amount"]), SQLITE) == (
        f"SELECT count(*) AS m0, coalesce(sum(deal.amount), 0) AS m1 FROM deal WHERE {LIVE}"
    )


def test_measures_default_to_count() -> None:
    assert sql(AggregateQuery(["stage"]), SQLITE).startswith(
        "SELECT deal.stage AS g0, count(*) AS m0 FROM deal"
    )


# -- bad requests -------------------------------------------------------------
BAD: list[tuple[AggregateQuery, list[tuple[str, str]]]] = [
    (
        AggregateQuery(["nope"]),
        [("group_by", "cannot group by 'nope': deal has no field 'nope'")],
    ),
    (
        AggregateQuery(["name"]),
        [
            (
                "group_by",
                "cannot group by 'name': name (text) has too many distinct values; group by a "
                "select, user, link, department, boolean, date or date-time field",
            )
        ],
    ),
    (
        AggregateQuery(["amount"]),
        [
            (
                "group_by",
                "cannot group by 'amount': amount (currency) has too many distinct values; "
                "group by a select, user, link, department, boolean, date or date-time field",
            )
        ],
    ),
    (
        AggregateQuery(["stage:month"]),
        [("group_by", "cannot group by 'stage:month': only dates group by day, month, year")],
    ),
    (
        AggregateQuery(["close_date:week"]),
        [
            (
                "group_by",
                "cannot group by 'close_date:week': unknown date bucket 'week'; "
                "known: day, month, year",
            )
        ],
    ),
    (
        AggregateQuery(["customer.industry"]),
        [
            (
                "group_by",
                "cannot group by 'customer.industry': customer.industry: aggregate on "
                "fields of deal itself (no '.')",
            )
        ],
    ),
    (
        AggregateQuery(["industry"]),
        [
            (
                "group_by",
                "cannot group by 'industry': industry (lookup) is computed when read and "
                "cannot be aggregated",
            )
        ],
    ),
    (
        AggregateQuery(["tags"]),
        [
            (
                "group_by",
                "cannot group by 'tags': tags (multiselect) has too many distinct values; "
                "group by a select, user, link, department, boolean, date or date-time field",
            )
        ],
    ),
    (
        AggregateQuery(["lines"]),
        [("group_by", "cannot group by 'lines': lines (subtable) cannot be filtered or sorted")],
    ),
    (
        AggregateQuery(["stage", "close_date", "owner"]),
        [("group_by", f"group by at most {MAX_GROUP_BY} fields")],
    ),
    (
        AggregateQuery(["close_date:year", "close_date:month"]),
        [("group_by", "close_date is grouped twice")],
    ),
    (AggregateQuery([], []), [("measures", "name at least one, like count")]),
    (
        AggregateQuery([], ["count"] * (MAX_MEASURES + 1)),
        [("measures", f"at most {MAX_MEASURES} measures")],
    ),
    (
        AggregateQuery([], ["median:amount"]),
        [
            (
                "measures",
                "'median:amount': unknown measure 'median'; known: avg, count, max, min, sum",
            )
        ],
    ),
    (AggregateQuery([], ["count:amount"]), [("measures", "'count:amount': count takes no field")]),
    (AggregateQuery([], ["sum"]), [("measures", "'sum': name the field, like sum:amount")]),
    (
        AggregateQuery([], ["sum:stage"]),
        [("measures", "'sum:stage': sum applies to number fields, not to stage (select)")],
    ),
    (
        AggregateQuery([], ["avg:close_date"]),
        [("measures", "'avg:close_date': avg applies to number fields, not to close_date (date)")],
    ),
    (
        AggregateQuery([], ["max:starts"]),
        [
            (
                "measures",
                "'max:starts': max applies to number, date, datetime fields, not to starts (time)",
            )
        ],
    ),
    (
        AggregateQuery([], ["sum:title"]),
        [("measures", "'sum:title': sum applies to number fields, not to title (formula)")],
    ),
    (
        AggregateQuery([], ["sum:id"]),
        [("measures", "'sum:id': sum applies to number fields, not to id (system)")],
    ),
    # A select keyed "count" cannot sit beside the count measure.
    (
        AggregateQuery(["count"], ["count"]),
        [("measures", "count is also the name of a group key")],
    ),
]


@pytest.mark.parametrize(("query", "expected"), BAD)
def test_bad_requests_name_what_is_wrong(
    query: AggregateQuery, expected: list[tuple[str, str]]
) -> None:
    assert errors_of(query) == expected


def test_every_problem_is_reported_at_once_with_the_filters() -> None:
    query = AggregateQuery(
        ["nope"],
        ["sum:stage"],
        filters={"ghost": "1"},
        filter=filter_from_json({"field": "amount", "op": "contains", "value": "x"}),
    )
    assert [field for field, _ in errors_of(query)] == [
        "group_by",
        "measures",
        "ghost",
        "filter.op",
    ]


def test_a_roll_up_is_not_aggregated() -> None:
    customer = APP.entities["customer"]
    assert errors_of(AggregateQuery([], ["sum:deals"]), customer) == [
        ("measures", "'sum:deals': deals (rollup) is computed when read and cannot be aggregated")
    ]


def test_hidden_fields_are_unknown_to_the_query() -> None:
    view = visible_entity(DEAL, frozenset({"amount", "stage"}))
    assert errors_of(AggregateQuery(["stage"], ["sum:amount"]), view) == [
        ("group_by", "cannot group by 'stage': deal has no field 'stage'"),
        ("measures", "'sum:amount': deal has no field 'amount'"),
    ]


def test_the_catalogue_lists_measures_and_buckets() -> None:
    body = catalogue()
    assert [m["measure"] for m in body["measures"]] == ["count", "sum", "avg", "min", "max"]
    assert [b["bucket"] for b in body["buckets"]] == ["day", "month", "year"]
    assert body["max_groups"] == MAX_GROUPS
    assert list(measures) == ["count", "sum", "avg", "min", "max"]
    assert list(buckets) == ["day", "month", "year"]
