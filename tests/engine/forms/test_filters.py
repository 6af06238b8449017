"""The filter language: golden SQL per dialect, and every kind of bad filter.

As SQLAlchemy's own tests do (``assert_compile``), each filter is compiled
for SQLite and PostgreSQL with literal binds and compared with the SQL we
mean to send. No database is needed: these pin what the compiler produces;
tests/api/test_filters.py proves the rows on both databases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from engine.definition import AppDefinition
from engine.forms.errors import RecordInvalid
from engine.forms.field_types.base import DERIVED
from engine.forms.filters import (
    catalogue,
    equality_conditions,
    filter_conditions,
    filter_from_json,
    node_json,
    operators,
    order_by,
    parse_filter,
    search_condition,
)
from engine.forms.filters.kinds import KIND_BY_KEY, KINDS
from engine.forms.filters.model import MAX_CONDITIONS, MAX_DEPTH
from engine.forms.registry import field_types
from engine.forms.runtime import EntityRuntime, build_runtime

DEFINITION: dict[str, Any] = {
    "key": "crm",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "max_length": 100},
                {
                    "key": "industry",
                    "type": "select",
                    "options": [{"value": "retail"}, {"value": "software"}],
                },
                {
                    "key": "tags",
                    "type": "multiselect",
                    "options": [{"value": "vip"}, {"value": "new"}],
                },
                {"key": "labels", "type": "tags"},
                {"key": "owner", "type": "user"},
                {"key": "team", "type": "users"},
                {"key": "parent", "type": "link", "target": "customer", "on_delete": "set_null"},
                {"key": "credit", "type": "currency"},
                {"key": "active", "type": "boolean"},
                {
                    "key": "open_amount",
                    "type": "rollup",
                    "source": "deal",
                    "via": "customer",
                    "agg": "sum",
                    "field": "amount",
                },
                {
                    "key": "last_close",
                    "type": "rollup",
                    "source": "deal",
                    "via": "customer",
                    "agg": "max",
                    "field": "close_date",
                },
                {
                    "key": "deals",
                    "type": "rollup",
                    "source": "deal",
                    "via": "customer",
                    "agg": "count",
                },
                {"key": "region", "type": "address"},
            ],
        },
        {
            "key": "deal",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text"},
                {"key": "customer", "type": "link", "target": "customer"},
                {
                    "key": "stage",
                    "type": "select",
                    "options": [{"value": "new"}, {"value": "won"}, {"value": "lost"}],
                },
                {"key": "amount", "type": "currency", "min": 0},
                {"key": "score", "type": "number"},
                {"key": "close_date", "type": "date"},
                {"key": "signed_at", "type": "datetime"},
                {"key": "net", "type": "formula", "expr": "amount * 2", "result_type": "currency"},
                {"key": "phone", "type": "phone"},
                {"key": "stars", "type": "rating"},
                {"key": "starts", "type": "time"},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [{"key": "product", "type": "text"}],
                },
            ],
            "indexes": [["stage", "close_date"]],
        },
    ],
}
APP = build_runtime(AppDefinition.model_validate(DEFINITION))
SQLITE = sqlite.dialect()
POSTGRES = postgresql.dialect()


def entity(key: str) -> EntityRuntime:
    return APP.entities[key]


def rendered(
    target: EntityRuntime, conditions: Sequence[ColumnElement[bool]], dialect: Dialect
) -> str:
    """The WHERE clause as sent, literals inlined, table prefixes dropped."""
    statement = select(target.table.c.id).where(*conditions)
    text = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return text.split("WHERE ", 1)[1].replace("a_crm__", "").replace("\n", "")


def where(key: str, raw: Any, dialect: Dialect) -> str:
    target = entity(key)
    conditions = filter_conditions(target, APP, dialect.name, tree=filter_from_json(raw))
    return rendered(target, conditions, dialect)


def errors_of(call: Any) -> dict[str, str]:
    with pytest.raises(RecordInvalid) as caught:
        call()
    return {e.field: e.message for e in caught.value.errors}


def bind_errors(key: str, raw: Any) -> dict[str, str]:
    return errors_of(
        lambda: filter_conditions(entity(key), APP, "sqlite", tree=filter_from_json(raw))
    )


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


ROLLUP = (
    "(SELECT coalesce(sum(deal.amount), 0) AS coalesce_1 FROM deal "
    "WHERE deal.customer = customer.id AND deal.deleted_at IS NULL)"
)
JSON_EACH = "EXISTS (SELECT * FROM json_each({column}) AS anon_1 WHERE anon_1.value IN ({values}))"

# (entity, filter, SQLite, PostgreSQL when it differs)
GOLDEN: list[tuple[str, dict[str, Any], str, str | None]] = [
    # choice (select)
    ("deal", cond("stage", "eq", "won"), "deal.stage = 'won'", None),
    ("deal", cond("stage", "ne", "won"), "deal.stage != 'won' OR deal.stage IS NULL", None),
    ("deal", cond("stage", "in", ["won", "lost", "won"]), "deal.stage IN ('won', 'lost')", None),
    (
        "deal",
        cond("stage", "not_in", ["won", "lost"]),
        "(deal.stage NOT IN ('won', 'lost')) OR deal.stage IS NULL",
        None,
    ),
    ("deal", cond("stage", "is_empty"), "deal.stage IS NULL", None),
    ("deal", cond("stage", "is_empty", True), "deal.stage IS NULL", None),
    ("deal", cond("stage", "is_empty", False), "deal.stage IS NOT NULL", None),
    # numbers: operands are free of the field's own limits (amount has min 0)
    ("deal", cond("amount", "gt", 1000), "deal.amount > 1000", None),
    ("deal", cond("amount", "gte", -5), "deal.amount >= -5", None),
    ("deal", cond("amount", "lt", 0.125), "deal.amount < 0.125", None),
    ("deal", cond("amount", "lte", "99.5"), "deal.amount <= 99.5", None),
    ("deal", cond("amount", "between", [10, 20.25]), "deal.amount BETWEEN 10 AND 20.25", None),
    ("deal", cond("amount", "between", [7, 7]), "deal.amount BETWEEN 7 AND 7", None),
    ("deal", cond("amount", "eq", 12.5), "deal.amount = 12.5", None),
    ("deal", cond("amount", "in", [1, "2.5"]), "deal.amount IN (1, 2.5)", None),
    ("deal", cond("amount", "is_empty"), "deal.amount IS NULL", None),
    ("deal", cond("score", "gte", 1.5), "deal.score >= 1.5", None),
    ("deal", cond("net", "gte", 5), "deal.net >= 5", None),
    # an integer column compared with a fraction
    ("deal", cond("stars", "gt", 3.5), "deal.stars > 3.5", None),
    ("deal", cond("stars", "in", [4, 5]), "deal.stars IN (4, 5)", None),
    (
        "deal",
        cond("starts", "lt", "09:30"),
        "deal.starts < '09:30:00.000000'",
        "deal.starts < '09:30:00'",
    ),
    # dates and times: a time without offset is the tenant's (Asia/Shanghai), stored in UTC
    (
        "deal",
        cond("close_date", "between", ["2026-01-01", "2026-03-31"]),
        "deal.close_date BETWEEN '2026-01-01' AND '2026-03-31'",
        None,
    ),
    (
        "deal",
        cond("signed_at", "gte", "2026-01-01"),
        "deal.signed_at >= '2025-12-31 16:00:00.000000'",
        "deal.signed_at >= '2025-12-31 16:00:00+00:00'",
    ),
    (
        "deal",
        cond("signed_at", "lt", "2026-01-01T09:00:00Z"),
        "deal.signed_at < '2026-01-01 09:00:00.000000'",
        "deal.signed_at < '2026-01-01 09:00:00+00:00'",
    ),
    (
        "deal",
        cond("created_at", "gte", "2026-01-01T00:00:00+08:00"),
        "deal.created_at >= '2025-12-31 16:00:00.000000'",
        "deal.created_at >= '2025-12-31 16:00:00+00:00'",
    ),
    # system columns
    ("deal", cond("id", "lt", 100), "deal.id < 100", None),
    ("deal", cond("id", "in", [3, 1]), "deal.id IN (3, 1)", None),
    ("deal", cond("created_by", "eq", 2), "deal.created_by = 2", None),
    # text: case-insensitive, LIKE wildcards escaped
    (
        "deal",
        cond("name", "contains", "50%_off/"),
        "(lower(deal.name) LIKE '%' || lower('50/%/_off//') || '%' ESCAPE '/')",
        "(deal.name ILIKE '%%' || '50/%%/_off//' || '%%' ESCAPE '/')",
    ),
    (
        "deal",
        cond("name", "starts_with", "Acme"),
        "(lower(deal.name) LIKE lower('Acme') || '%' ESCAPE '/')",
        "(deal.name ILIKE 'Acme' || '%%' ESCAPE '/')",
    ),
    ("deal", cond("name", "eq", "Acme"), "deal.name = 'Acme'", None),
    ("deal", cond("name", "is_empty"), "deal.name IS NULL OR deal.name = ''", None),
    ("deal", cond("name", "is_empty", False), "deal.name IS NOT NULL AND deal.name != ''", None),
    # eq goes through the field type, so it compares with the stored (normalised) form
    ("deal", cond("phone", "eq", "138 1234 5678"), "deal.phone = '13812345678'", None),
    # arrays: multiselect and tags (text), users (ids)
    (
        "customer",
        cond("tags", "contains", ["vip", "new"]),
        JSON_EACH.format(column="customer.tags", values="'vip', 'new'"),
        "customer.tags ?| ARRAY['vip', 'new']",
    ),
    (
        "customer",
        cond("tags", "contains", "vip"),
        JSON_EACH.format(column="customer.tags", values="'vip'"),
        "customer.tags ?| ARRAY['vip']",
    ),
    (
        "customer",
        cond("labels", "contains", " key account "),
        JSON_EACH.format(column="customer.labels", values="'key account'"),
        "customer.labels ?| ARRAY['key account']",
    ),
    (
        "customer",
        cond("team", "contains", [3, 5]),
        JSON_EACH.format(column="customer.team", values="3, 5"),
        "(customer.team @> jsonb_build_array(3)) OR (customer.team @> jsonb_build_array(5))",
    ),
    (
        "customer",
        cond("tags", "is_empty"),
        "customer.tags IS NULL OR CAST(customer.tags AS TEXT) IN ('null', '[]')",
        None,
    ),
    (
        "customer",
        cond("tags", "is_empty", False),
        "customer.tags IS NOT NULL AND (CAST(customer.tags AS TEXT) NOT IN ('null', '[]'))",
        None,
    ),
    # references and booleans
    ("customer", cond("owner", "in", [1, 2]), "customer.owner IN (1, 2)", None),
    ("customer", cond("owner", "ne", 1), "customer.owner != 1 OR customer.owner IS NULL", None),
    ("customer", cond("active", "eq", True), "customer.active = 1", "customer.active = true"),
    ("customer", cond("active", "is_empty"), "customer.active IS NULL", None),
    # roll-ups: correlated subqueries, filtered like numbers (or like the field of min/max)
    ("customer", cond("open_amount", "gt", 1000), f"{ROLLUP} > 1000", None),
    (
        "customer",
        cond("deals", "eq", 0),
        "(SELECT count(deal.id) AS count_1 FROM deal WHERE deal.customer = customer.id "
        "AND deal.deleted_at IS NULL) = 0",
        None,
    ),
    (
        "customer",
        cond("last_close", "lt", "2026-01-01"),
        "(SELECT max(deal.close_date) AS max_1 FROM deal WHERE deal.customer = customer.id "
        "AND deal.deleted_at IS NULL) < '2026-01-01'",
        None,
    ),
    # one hop through a link: a semi-join on the link column
    (
        "deal",
        cond("customer.industry", "eq", "retail"),
        "deal.customer IN (SELECT customer.id FROM customer WHERE customer.industry = 'retail')",
        None,
    ),
    (
        "deal",
        cond("customer.industry", "ne", "retail"),
        "deal.customer IS NULL OR deal.customer IN (SELECT customer.id FROM customer "
        "WHERE customer.industry != 'retail' OR customer.industry IS NULL)",
        None,
    ),
    (
        "deal",
        cond("customer.industry", "is_empty"),
        "deal.customer IS NULL OR deal.customer IN (SELECT customer.id FROM customer "
        "WHERE customer.industry IS NULL)",
        None,
    ),
    (
        "deal",
        cond("customer.tags", "contains", ["vip"]),
        "deal.customer IN (SELECT customer.id FROM customer WHERE "
        + JSON_EACH.format(column="customer.tags", values="'vip'")
        + ")",
        "deal.customer IN (SELECT customer.id FROM customer WHERE (customer.tags ?| ARRAY['vip']))",
    ),
    (
        "deal",
        cond("customer.open_amount", "gt", 10),
        f"deal.customer IN (SELECT customer.id FROM customer WHERE {ROLLUP} > 10)",
        None,
    ),
    (
        "deal",
        cond("customer.id", "eq", 4),
        "deal.customer IN (SELECT customer.id FROM customer WHERE customer.id = 4)",
        None,
    ),
    # a link to its own entity: the subquery's own FROM shadows the outer table
    (
        "customer",
        cond("parent.industry", "eq", "retail"),
        "customer.parent IN (SELECT customer.id FROM customer WHERE customer.industry = 'retail')",
        None,
    ),
    # groups
    (
        "deal",
        {"and": [cond("stage", "eq", "won"), cond("close_date", "gte", "2026-01-01")]},
        "deal.stage = 'won' AND deal.close_date >= '2026-01-01'",
        None,
    ),
    (
        "deal",
        {
            "or": [
                cond("stage", "eq", "won"),
                {
                    "and": [
                        cond("amount", "gt", 5),
                        cond("customer.industry", "in", ["retail", "software"]),
                    ]
                },
            ]
        },
        "deal.stage = 'won' OR deal.amount > 5 AND deal.customer IN (SELECT customer.id "
        "FROM customer WHERE customer.industry IN ('retail', 'software'))",
        None,
    ),
    (
        "deal",
        {
            "and": [
                {"or": [cond("stage", "eq", "won"), cond("stage", "is_empty")]},
                cond("score", "lt", 3),
            ]
        },
        "(deal.stage = 'won' OR deal.stage IS NULL) AND deal.score < 3",
        None,
    ),
]


@pytest.mark.parametrize(("key", "raw", "sqlite_sql", "pg_sql"), GOLDEN)
def test_golden_sql(key: str, raw: dict[str, Any], sqlite_sql: str, pg_sql: str | None) -> None:
    assert where(key, raw, SQLITE) == sqlite_sql
    assert where(key, raw, POSTGRES) == (pg_sql or sqlite_sql)


def test_every_operator_has_a_golden_case() -> None:
    used = {raw["op"] for _, tree, _, _ in GOLDEN for raw in _conditions(tree)}
    assert used == set(operators)


def _conditions(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "and" in node or "or" in node:
        return [c for item in node.get("and", node.get("or")) for c in _conditions(item)]
    return [node]


def test_query_parameters_are_equalities() -> None:
    params = {"stage": "won", "customer.industry": "retail", "id": "7", "amount": "10.5"}
    deal = entity("deal")
    conditions = filter_conditions(deal, APP, "sqlite", params=equality_conditions(params))
    assert rendered(deal, conditions, SQLITE) == (
        "deal.stage = 'won' AND deal.customer IN (SELECT customer.id FROM customer "
        "WHERE customer.industry = 'retail') AND deal.id = 7 AND deal.amount = 10.5"
    )


def test_query_parameter_on_a_multiple_choice_means_has_any() -> None:
    customer = entity("customer")
    params = equality_conditions({"tags": "vip,new", "active": "false", "owner": "3"})
    conditions = filter_conditions(customer, APP, "postgresql", params=params)
    assert rendered(customer, conditions, POSTGRES) == (
        "customer.tags ?| ARRAY['vip', 'new'] AND customer.active = false AND customer.owner = 3"
    )


def test_query_parameter_errors_name_the_parameter() -> None:
    params = equality_conditions(
        {"stage": "maybe", "nope": "1", "amount": "abc", "customer.nope": "x", "region": "x"}
    )
    errors = errors_of(lambda: filter_conditions(entity("deal"), APP, "sqlite", params=params))
    assert errors == {
        "stage": "'maybe' is not an option (allowed: new, won, lost)",
        "nope": "deal has no field 'nope'",
        "amount": "must be a number",
        "customer.nope": "customer has no field 'nope'",
        "region": "deal has no field 'region'",
    }


def test_sort_several_keys_and_linked_fields() -> None:
    deal = entity("deal")
    columns = {c.key: c for c in deal.table.c}
    order = order_by(deal, APP, columns, ["-amount", "customer.name", "close_date"])
    statement = select(deal.table.c.id).order_by(*order)
    sql = str(statement.compile(dialect=SQLITE)).replace("a_crm__", "").replace("\n", "")
    assert sql.split("ORDER BY ", 1)[1] == (
        "deal.amount DESC NULLS LAST, (SELECT sort_customer_name.name FROM customer AS "
        "sort_customer_name WHERE sort_customer_name.id = deal.customer) ASC NULLS FIRST, "
        "deal.close_date ASC NULLS FIRST, deal.id ASC"
    )
    default = select(deal.table.c.id).order_by(*order_by(deal, APP, columns, []))
    assert str(default.compile(dialect=SQLITE)).endswith("ORDER BY a_crm__deal.id DESC")


@pytest.mark.parametrize(
    ("sort", "message"),
    [
        (["nope"], "cannot sort by 'nope': deal has no field 'nope'"),
        (
            ["customer.tags"],
            "cannot sort by 'customer.tags': a multiselect field holds several values",
        ),
        (
            ["customer.open_amount"],
            "cannot sort by 'customer.open_amount': roll-ups of linked records are not sortable",
        ),
        (["lines"], "cannot sort by 'lines': lines (subtable) cannot be filtered or sorted"),
        (["a", "b", "c", "d", "e", "f"], "sort by at most 5 keys"),
    ],
)
def test_bad_sort(sort: list[str], message: str) -> None:
    deal = entity("deal")
    columns = {c.key: c for c in deal.table.c}
    assert errors_of(lambda: order_by(deal, APP, columns, sort)) == {"sort": message}


def test_search_every_word_in_some_text_field() -> None:
    deal = entity("deal")
    condition = search_condition(deal, "  acme 50% acme ")
    assert condition is not None
    assert rendered(deal, [condition], POSTGRES) == (
        "((deal.name ILIKE '%%' || 'acme' || '%%' ESCAPE '/') OR (deal.phone ILIKE '%%' || "
        "'acme' || '%%' ESCAPE '/')) AND ((deal.name ILIKE '%%' || '50/%%' || '%%' ESCAPE '/') "
        "OR (deal.phone ILIKE '%%' || '50/%%' || '%%' ESCAPE '/'))"
    )
    assert search_condition(deal, "   ") is None
    assert errors_of(lambda: search_condition(deal, "x" * 201)) == {
        "q": "must be at most 200 characters"
    }
    assert errors_of(lambda: search_condition(deal, "a b c d e f g h i")) == {
        "q": "must have at most 8 words"
    }


# -- bad filters: every error names its JSON path ------------------------------
BAD: list[tuple[str, Any, dict[str, str]]] = [
    ("deal", cond("nope", "eq", 1), {"filter.field": "deal has no field 'nope'"}),
    (
        "deal",
        cond("stage", "like", "x"),
        {
            "filter.op": "unknown filter operator 'like'; known: between, contains, eq, gt, gte, "
            "in, is_empty, lt, lte, ne, not_in, starts_with"
        },
    ),
    (
        "deal",
        cond("amount", "contains", "1"),
        {
            "filter.op": "contains cannot be used on amount (currency); use one of: eq, ne, lt, "
            "lte, gt, gte, between, in, not_in, is_empty"
        },
    ),
    (
        "deal",
        cond("stage", "gt", "new"),
        {
            "filter.op": "gt cannot be used on stage (select); "
            "use one of: eq, ne, in, not_in, is_empty"
        },
    ),
    (
        "customer",
        cond("tags", "eq", "vip"),
        {"filter.op": "eq cannot be used on tags (multiselect); use one of: contains, is_empty"},
    ),
    ("deal", cond("amount", "gt", "lots"), {"filter.value": "must be a number"}),
    ("deal", cond("amount", "gt", True), {"filter.value": "must be a number"}),
    (
        "deal",
        cond("amount", "eq", None),
        {"filter.value": "is required (use is_empty to find blank values)"},
    ),
    ("deal", cond("amount", "eq", 1.005), {"filter.value": "must have at most 2 decimal places"}),
    (
        "deal",
        cond("stage", "eq", "maybe"),
        {"filter.value": "'maybe' is not an option (allowed: new, won, lost)"},
    ),
    (
        "deal",
        cond("stage", "in", ["won", "maybe"]),
        {"filter.value[1]": "'maybe' is not an option (allowed: new, won, lost)"},
    ),
    ("deal", cond("stage", "in", "won"), {"filter.value": "must be a non-empty list"}),
    ("deal", cond("stage", "in", []), {"filter.value": "must be a non-empty list"}),
    ("deal", cond("stage", "in", ["won"] * 501), {"filter.value": "must have at most 500 values"}),
    (
        "deal",
        cond("stage", "in", ["won", None]),
        {"filter.value[1]": "is required (use is_empty to find blank values)"},
    ),
    ("deal", cond("amount", "between", [1]), {"filter.value": "must be a list of 2 values"}),
    (
        "deal",
        cond("amount", "between", [5, 1]),
        {"filter.value": "the first value must not be greater than the second"},
    ),
    (
        "deal",
        cond("close_date", "between", ["2026-01-01", "soon"]),
        {"filter.value[1]": "must be a date like 2026-01-31"},
    ),
    (
        "deal",
        cond("signed_at", "gt", "yesterday"),
        {"filter.value": "must be a date and time like 2026-01-31T09:30:00+08:00"},
    ),
    ("deal", cond("name", "contains", ""), {"filter.value": "must not be empty"}),
    ("deal", cond("name", "contains", 5), {"filter.value": "must be text"}),
    (
        "deal",
        cond("name", "starts_with", "x" * 256),
        {"filter.value": "must be at most 255 characters"},
    ),
    (
        "deal",
        cond("name", "is_empty", "yes"),
        {"filter.value": "must be true or false (or left out, meaning true)"},
    ),
    (
        "deal",
        cond("customer", "eq", "acme"),
        {"filter.value": "must be the id of a record (a positive integer)"},
    ),
    ("deal", cond("id", "eq", 0), {"filter.value": "must be an id (a positive integer)"}),
    (
        "deal",
        cond("id", "is_empty"),
        {
            "filter.op": "is_empty cannot be used on id (system); "
            "use one of: eq, ne, lt, lte, gt, gte, between, in, not_in"
        },
    ),
    (
        "customer",
        cond("tags", "contains", ["vip", "gold"]),
        {"filter.value[1]": "'gold' is not an option (allowed: vip, new)"},
    ),
    (
        "customer",
        cond("team", "contains", ["x"]),
        {"filter.value[0]": "must be an id (a positive integer)"},
    ),
    (
        "customer",
        cond("region", "eq", "x"),
        {"filter.field": "region (address) cannot be filtered or sorted"},
    ),
    (
        "deal",
        cond("lines", "is_empty"),
        {"filter.field": "lines (subtable) cannot be filtered or sorted"},
    ),
    (
        "deal",
        cond("lines.product", "eq", "x"),
        {"filter.field": "lines is a subtable field: only link fields can be followed with '.'"},
    ),
    (
        "deal",
        cond("stage.x", "eq", "x"),
        {"filter.field": "stage is a select field: only link fields can be followed with '.'"},
    ),
    (
        "deal",
        cond("customer.parent.name", "eq", "x"),
        {"filter.field": "a path follows at most one link (like customer.industry)"},
    ),
    ("deal", cond("customer.nope", "eq", "x"), {"filter.field": "customer has no field 'nope'"}),
    ("deal", cond("nope.name", "eq", "x"), {"filter.field": "deal has no field 'nope'"}),
    (
        "deal",
        cond("customer.industry", "eq", "mining"),
        {"filter.value": "'mining' is not an option (allowed: retail, software)"},
    ),
    (
        "deal",
        {
            "and": [
                cond("stage", "eq", "won"),
                {"or": [cond("amount", "gt", "x"), cond("nope", "eq", 1)]},
                cond("name", "lt", "b"),
            ]
        },
        {
            "filter.and[1].or[0].value": "must be a number",
            "filter.and[1].or[1].field": "deal has no field 'nope'",
            "filter.and[2].op": "lt cannot be used on name (text); "
            "use one of: eq, ne, in, not_in, contains, starts_with, is_empty",
        },
    ),
]


@pytest.mark.parametrize(("key", "raw", "expected"), BAD)
def test_bad_filters_name_their_path(key: str, raw: Any, expected: dict[str, str]) -> None:
    assert bind_errors(key, raw) == expected


SHAPE = 'must be a condition {field, op, value} or a group {"and": [...]} or {"or": [...]}'
MALFORMED: list[tuple[str, dict[str, str]]] = [
    (
        "{not json",
        {
            "filter": "is not valid JSON: Expecting property name enclosed in double quotes "
            "(line 1, column 2)"
        },
    ),
    (
        "[]",
        {"filter": SHAPE},
    ),
    (
        '"stage"',
        {"filter": SHAPE},
    ),
    ('{"and": []}', {"filter.and": "must be a non-empty list of conditions or groups"}),
    ('{"or": {"field": "a"}}', {"filter.or": "must be a non-empty list of conditions or groups"}),
    ('{"and": [], "or": []}', {"filter": 'a group has exactly one key, "and" or "or"'}),
    (
        '{"and": [{"field": "a", "op": "eq"}], "field": "b"}',
        {"filter": 'a group has exactly one key, "and" or "or"'},
    ),
    ('{"field": "stage"}', {"filter.op": "is required"}),
    ('{"op": "eq", "value": 1}', {"filter.field": "is required"}),
    (
        '{"field": "stage", "op": "eq", "value": "won", "values": 1}',
        {"filter.values": "is not a key of a condition (use field, op and value)"},
    ),
    (
        '{"field": 5, "op": "", "value": 1}',
        {"filter.field": "must be text", "filter.op": "must not be empty"},
    ),
    (
        '{"and": [{"field": "a", "op": "eq"}, 3, {"or": [{"op": "eq"}]}]}',
        {
            "filter.and[1]": SHAPE,
            "filter.and[2].or[0].field": "is required",
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_filters_name_their_path(text: str, expected: dict[str, str]) -> None:
    assert errors_of(lambda: parse_filter(text)) == expected


def test_limits_of_size_depth_and_count() -> None:
    assert errors_of(lambda: parse_filter("{" + " " * 10_000 + "}")) == {
        "filter": "must be at most 10000 characters"
    }
    nested: dict[str, Any] = cond("stage", "eq", "won")
    for _ in range(MAX_DEPTH):
        nested = {"and": [nested]}
    assert filter_from_json(nested) is not None
    too_deep = {"or": [nested]}
    path = "filter" + ".or[0]" + ".and[0]" * (MAX_DEPTH - 1) + ".and"
    assert errors_of(lambda: filter_from_json(too_deep)) == {
        path: f"groups nest at most {MAX_DEPTH} deep"
    }
    many = {"and": [cond("stage", "eq", "won")] * (MAX_CONDITIONS + 1)}
    assert errors_of(lambda: filter_from_json(many)) == {
        "filter": f"has more than {MAX_CONDITIONS} conditions"
    }


def test_empty_filter_is_no_filter() -> None:
    assert parse_filter(None) is None
    assert parse_filter("  ") is None


def test_parse_round_trips_the_wire_shape() -> None:
    raw = {
        "and": [
            cond("stage", "in", ["won", "lost"]),
            {"or": [cond("customer.industry", "eq", "retail"), cond("amount", "is_empty")]},
        ]
    }
    assert node_json(parse_filter(json.dumps(raw))) == raw  # type: ignore[arg-type]


def test_linked_view_keeps_hidden_fields_out_of_reach() -> None:
    """A reader who may not see customer.credit cannot filter or sort deals by it."""
    from engine.forms.guard import visible_entity

    def view(linked: EntityRuntime) -> EntityRuntime:
        return visible_entity(linked, frozenset({"credit"}))

    deal = entity("deal")
    tree = filter_from_json(cond("customer.credit", "gt", 100))
    errors = errors_of(lambda: filter_conditions(deal, APP, "sqlite", tree=tree, linked_view=view))
    assert errors == {"filter.field": "customer has no field 'credit'"}
    columns = {c.key: c for c in deal.table.c}
    assert errors_of(lambda: order_by(deal, APP, columns, ["customer.credit"], view)) == {
        "sort": "cannot sort by 'customer.credit': customer has no field 'credit'"
    }
    assert filter_conditions(deal, APP, "sqlite", tree=tree)  # without the view it is allowed


def not_filterable() -> set[str]:
    return {key for key, t in field_types.items() if t.filter_kind is None}


def test_every_field_type_names_a_kind_or_deliberately_none() -> None:
    for key, field_type in field_types.items():
        assert field_type.filter_kind in {*KIND_BY_KEY, DERIVED, None}, key
    assert not_filterable() == {
        "address",
        "location",
        "cascade",
        "attachment",
        "image",
        "signature",
        "subtable",
        "links",
    }


def test_every_kind_lists_registered_operators() -> None:
    for kind in KINDS:
        assert kind.operators and set(kind.operators) <= set(operators), kind.key


def test_the_docs_table_of_operators_matches_the_kinds() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "filters.md").read_text("utf-8")
    table = docs.split("| field type | operators |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.strip().splitlines()[1:]:
        types, ops = line.strip("|").split("|")
        for key in re.findall(r"`(\w+)`", types):
            rows[key] = ops
    for key, field_type in field_types.items():
        if field_type.filter_kind is None:
            continue
        assert key in rows, key
        if field_type.filter_kind != DERIVED:
            kind = KIND_BY_KEY[field_type.filter_kind]
            assert re.findall(r"`(\w+)`", rows[key]) == list(kind.operators), key
    for key in not_filterable():
        assert rows[key].strip() == "cannot be filtered", key


def test_catalogue_serves_operators_and_kinds_as_json() -> None:
    served = json.loads(json.dumps(catalogue()))
    assert [o["op"] for o in served["operators"]] == list(operators)
    assert served["field_types"]["currency"] == "number"
    assert served["kinds"]["choices"] == ["contains", "is_empty"]
    assert set(served["not_filterable"]) == not_filterable()


def test_datetime_filter_values_out_of_utc_range_are_refused() -> None:
    from engine.forms.errors import FieldInvalid
    from engine.forms.filters.kinds import DatetimeKind

    with pytest.raises(FieldInvalid, match="out of range"):
        DatetimeKind().value("0001-01-01T00:00:00+08:00", None)
    assert DatetimeKind().value("2026-01-31T09:30:00", None).isoformat() == (
        "2026-01-31T01:30:00+00:00"
    )
