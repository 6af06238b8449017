"""What other engines ask of a field type is declared by the type itself.

Numeric-ness, sortability, filter kind, spreadsheet cell and "allowed in a
sub-table" used to live in string tables that disagreed (``percent`` was a
number to actions and filters but not to import). Each type now declares
them; these tests hold every registered type to it and follow ``percent``
through filters, import/export, actions and roll-ups.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.actions.checks import CheckContext
from engine.actions.values import copy_problem
from engine.definition import AppDefinition, FieldDef
from engine.forms.errors import FieldInvalid, RecordInvalid
from engine.forms.field_types.base import CELLS, DERIVED, DefinitionContext, FieldType
from engine.forms.filters import filter_conditions, filter_from_json, kind_of, order_by
from engine.forms.filters.kinds import KIND_BY_KEY, NUMBER
from engine.forms.registry import field_types
from engine.forms.runtime import bind_field, build_runtime
from engine.forms.transfer.cells import csv_text, from_cell, number_format, to_cell

TZ = ZoneInfo("Asia/Shanghai")
DECLARED = ("numeric", "sortable", "filter_kind", "in_subtable", "cell")


def declared_by_the_type(cls: type[FieldType], name: str) -> bool:
    """Whether ``name`` is set by the type's own class (or a type it builds on), not the base."""
    return any(name in vars(klass) for klass in cls.__mro__ if klass is not FieldType)


@pytest.mark.parametrize("key", sorted(field_types))
def test_every_type_declares_what_others_ask(key: str) -> None:
    field_type = field_types.get(key)
    for name in DECLARED:
        assert declared_by_the_type(type(field_type), name), f"{key} does not declare {name}"
    assert isinstance(field_type.numeric, bool)
    assert isinstance(field_type.sortable, bool)
    assert isinstance(field_type.in_subtable, bool)
    assert field_type.filter_kind in {*KIND_BY_KEY, DERIVED, None}
    assert field_type.cell is None or field_type.cell in CELLS
    described = field_type.describe()
    assert {name: described[name] for name in DECLARED} == {
        name: getattr(field_type, name) for name in DECLARED
    }


def test_numbers_are_numeric_and_filter_as_numbers() -> None:
    numeric = {key for key, t in field_types.items() if t.numeric}
    assert numeric == {"number", "currency", "percent", "rating"}
    for key in numeric:
        assert field_types.get(key).filter_kind == NUMBER.key, key


def test_a_sortable_type_filters_as_a_kind_that_sorts() -> None:
    for key, field_type in field_types.items():
        kind = field_type.filter_kind
        if field_type.sortable and kind not in (None, DERIVED):
            assert KIND_BY_KEY[kind].sortable, key


APP = AppDefinition.model_validate(
    {
        "key": "know",
        "version": "1.0.0",
        "entities": [
            {
                "key": "deal",
                "fields": [
                    {"key": "title", "type": "text"},
                    {"key": "notes", "type": "richtext"},
                    {"key": "n", "type": "number"},
                    {"key": "rate", "type": "percent"},
                    {"key": "stars", "type": "rating"},
                    {"key": "margin", "type": "formula", "expr": "rate", "result_type": "percent"},
                    {"key": "shout", "type": "formula", "expr": "title", "result_type": "text"},
                    {"key": "customer", "type": "link", "target": "customer"},
                ],
            },
            {
                "key": "customer",
                "fields": [
                    {"key": "name", "type": "text"},
                    {
                        "key": "avg_rate",
                        "type": "rollup",
                        "source": "deal",
                        "via": "customer",
                        "field": "rate",
                        "agg": "avg",
                    },
                ],
            },
        ],
    }
)
RUNTIME = build_runtime(APP)
DEAL = RUNTIME.entities["deal"]


def test_percent_filters_as_a_number() -> None:
    rate = DEAL.fields["rate"]
    assert kind_of(rate, DEAL, RUNTIME) is NUMBER
    assert kind_of(DEAL.fields["margin"], DEAL, RUNTIME) is NUMBER  # a formula: its result type
    tree = filter_from_json({"field": "rate", "op": "between", "value": [0.1, 0.25]})
    assert filter_conditions(DEAL, RUNTIME, "sqlite", tree=tree)
    with pytest.raises(RecordInvalid):
        filter_conditions(
            DEAL,
            RUNTIME,
            "sqlite",
            tree=filter_from_json({"field": "rate", "op": "contains", "value": "1"}),
        )


def test_percent_sorts_and_rich_text_does_not() -> None:
    columns = {c.key: c for c in DEAL.table.c}
    assert order_by(DEAL, RUNTIME, columns, ["-rate"])
    with pytest.raises(RecordInvalid) as caught:
        order_by(DEAL, RUNTIME, columns, ["notes"])
    assert [e.message for e in caught.value.errors] == [
        "cannot sort by 'notes': a richtext field has no order to sort by"
    ]


def test_percent_cells_read_and_write_as_percentages() -> None:
    rate = DEAL.fields["rate"]
    assert number_format(rate) == "0.##%"
    assert number_format(DEAL.fields["margin"]) == "0.##%"
    assert csv_text(rate, to_cell(rate, 0.155, None, "en", TZ)) == "15.5%"
    assert from_cell(rate, "15.5%", lambda *_: 0, TZ) == "0.155"
    assert from_cell(rate, 0.155, lambda *_: 0, TZ) == 0.155
    assert (
        from_cell(rate, "1,5", lambda *_: 0, TZ) == "15"
    )  # thousands separators go, as for numbers
    with pytest.raises(FieldInvalid):
        from_cell(rate, "x%", lambda *_: 0, TZ)
    # The records service then checks the value as a percent.
    assert rate.type.coerce(from_cell(rate, "15.5%", lambda *_: 0, TZ), rate) == Decimal("0.155")


@pytest.mark.parametrize(
    ("source", "target", "fits"),
    [
        ("rate", "n", True),
        ("n", "rate", True),
        ("stars", "rate", True),
        ("margin", "n", True),  # a percent formula is a number
        ("shout", "rate", False),  # a text formula is not
        ("title", "rate", False),
        ("rate", "title", False),
    ],
)
def test_percent_copies_as_a_number_in_actions(source: str, target: str, fits: bool) -> None:
    fields = CheckContext(APP).entity("deal")
    assert fields is not None
    problem = copy_problem(fields, source, fields.fields[target])
    assert (problem is None) is fits, problem


def rollup_problems(field: str, agg: str) -> list[tuple[str, str]]:
    defn = FieldDef.model_validate(
        {
            "key": "x",
            "type": "rollup",
            "source": "deal",
            "via": "customer",
            "field": field,
            "agg": agg,
        }
    )
    bound = bind_field(defn)
    ctx = DefinitionContext(APP, next(e for e in APP.entities if e.key == "customer"))
    return list(bound.type.check_definition(bound, ctx))


@pytest.mark.parametrize("field", ["rate", "n", "stars", "margin"])
def test_numbers_add_up_in_roll_ups(field: str) -> None:
    assert rollup_problems(field, "sum") == []


def test_a_text_formula_does_not_add_up() -> None:
    assert rollup_problems("shout", "sum") == [
        (".field", "sum needs a number field, shout is formula")
    ]


@pytest.mark.parametrize("key", sorted(key for key, t in field_types.items() if not t.in_subtable))
def test_types_not_allowed_in_sub_tables_are_refused_there(key: str) -> None:
    field_type = field_types.get(key)
    sub: dict[str, Any] = {"key": "inner", "type": key, **field_type.example.options}
    app = AppDefinition.model_validate(
        {
            "key": "rows",
            "version": "1.0.0",
            "entities": [
                {
                    "key": "order",
                    "fields": [
                        {"key": "lines", "type": "subtable", "fields": [sub]},
                    ],
                }
            ],
        }
    )
    entity = app.entities[0]
    bound = bind_field(entity.fields[0])
    problems = list(bound.type.check_definition(bound, DefinitionContext(app, entity)))
    assert problems == [(".fields[0].type", f"a {key} field cannot be inside a sub-table")]
