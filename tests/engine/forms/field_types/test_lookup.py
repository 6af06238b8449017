"""The lookup field type: definition checks and the SQL it reads with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from builder.validate import DefinitionError, load_definition
from engine.definition import AppDefinition, FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import QueryTime, ability
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field, build_runtime


def bound(**options: Any) -> BoundField:
    return bind_field(
        FieldDef(key="f", type="lookup", **{"link": "customer", "field": "name", **options})
    )


def definition(*deal_fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "crm",
        "version": "1.0.0",
        "entities": [
            {
                "key": "customer",
                "fields": [
                    {"key": "name", "type": "text"},
                    {"key": "limit", "type": "currency"},
                    {
                        "key": "parent",
                        "type": "link",
                        "target": "customer",
                        "on_delete": "set_null",
                    },
                    {
                        "key": "open",
                        "type": "rollup",
                        "source": "deal",
                        "via": "customer",
                        "agg": "count",
                    },
                ],
            },
            {
                "key": "deal",
                "fields": [
                    {"key": "title", "type": "text"},
                    {"key": "customer", "type": "link", "target": "customer"},
                    *deal_fields,
                ],
            },
        ],
    }


def test_is_read_only_and_has_no_column() -> None:
    field = bound()
    assert not field.type.writable and not field.type.stored
    assert isinstance(field.type, QueryTime)


def test_reads_the_linked_field_through_a_correlated_subquery() -> None:
    app = build_runtime(
        AppDefinition.model_validate(
            definition(
                {"key": "customer_limit", "type": "lookup", "link": "customer", "field": "limit"}
            )
        )
    )
    deal = app.entities["deal"]
    field = deal.fields["customer_limit"]
    expression = ability(field, QueryTime).select_expression(field, deal, app)
    sql = str(
        select(deal.table.c.id, expression.label("customer_limit")).compile(
            dialect=sqlite.dialect()
        )
    )
    assert "FROM a_crm__customer AS a_crm__customer_1" in sql
    assert "a_crm__customer_1.id = a_crm__deal.customer" in sql
    # The target's type converts: currency reads back as a number, filters as one.
    assert field.type.to_json(Decimal("12.50"), field) == 12.5
    assert field.type.parse_query("12.5", field) == Decimal("12.5")
    with pytest.raises(FieldInvalid, match="decimal places"):
        field.type.parse_query("12.505", field)
    assert field.type.json_schema(field) == {"type": "number", "readOnly": True}


def test_a_link_to_the_same_entity_reads_the_other_row() -> None:
    app = build_runtime(AppDefinition.model_validate(definition()))
    customer = app.entities["customer"]
    defn = FieldDef(key="parent_name", type="lookup", link="parent", field="name")
    field = bind_field(defn)
    expression = ability(field, QueryTime).select_expression(field, customer, app)
    sql = str(select(expression).compile(dialect=postgresql.dialect()))
    assert "a_crm__customer_1.id = a_crm__customer.parent" in sql


def test_value_without_the_app_is_plain_json() -> None:
    field = bound()
    assert field.type.to_json(Decimal("1.5"), field) == 1.5
    assert field.type.to_json(None, field) is None
    with pytest.raises(FieldInvalid, match="cannot be filtered"):
        field.type.parse_query("x", field)


@pytest.mark.parametrize(
    ("options", "path", "message"),
    [
        ({"link": "title", "field": "name"}, ".link", "not a link field"),
        ({"link": "nothing", "field": "name"}, ".link", "not a link field"),
        ({"link": "customer", "field": "nothing"}, ".field", "unknown field"),
        ({"link": "customer", "field": "open"}, ".field", "no stored value"),
        ({"link": "customer", "field": "name", "default": "x"}, ".default", "no default"),
    ],
)
def test_definition_errors(options: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(DefinitionError) as err:
        load_definition(definition({"key": "looked", "type": "lookup", **options}))
    assert any(
        i.path == f"$.entities[1].fields[2]{path}" and message in i.message
        for i in err.value.issues
    ), err.value.issues


def test_options_are_required_and_closed() -> None:
    with pytest.raises(ValueError, match="field"):
        bind_field(FieldDef(key="f", type="lookup", link="customer"))
    with pytest.raises(ValueError, match="via"):
        bound(via="x")


def test_cannot_be_written_nor_sit_in_a_subtable() -> None:
    sub = {
        "key": "lines",
        "type": "subtable",
        "fields": [{"key": "name", "type": "lookup", "link": "customer", "field": "name"}],
    }
    with pytest.raises(DefinitionError, match="cannot be inside a sub-table"):
        load_definition(definition(sub))
