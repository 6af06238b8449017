"""The value grammar of map/set/update and which field types take which values."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from engine.actions.checks import CheckContext
from engine.actions.context import RecordState
from engine.actions.values import (
    Computed,
    Copy,
    Fixed,
    Ref,
    copy_problem,
    parse_value,
    resolve,
)
from engine.definition import AppDefinition
from engine.expressions import EvalContext
from engine.forms.runtime import build_runtime

CHOICES = [{"value": "a"}, {"value": "b"}]
APP = AppDefinition.model_validate(
    {
        "key": "demo",
        "version": "1.0.0",
        "entities": [
            {
                "key": "src",
                "fields": [
                    {"key": "title", "type": "text"},
                    {"key": "choice", "type": "select", "options": CHOICES},
                    {"key": "wide", "type": "select", "options": [*CHOICES, {"value": "c"}]},
                    {"key": "n", "type": "number"},
                    {"key": "price", "type": "currency"},
                    {"key": "day", "type": "date"},
                    {"key": "flag", "type": "boolean"},
                    {"key": "net", "type": "formula", "expr": "n * 2", "result_type": "currency"},
                    {"key": "label", "type": "formula", "expr": "title", "result_type": "text"},
                    {"key": "picks", "type": "multiselect", "options": CHOICES},
                    {"key": "other", "type": "link", "target": "src"},
                    {"key": "owner", "type": "user"},
                ],
            }
        ],
    }
)


@pytest.mark.parametrize(
    ("source", "target", "fits"),
    [
        ("title", "title", True),
        ("choice", "title", True),  # a select's value is text
        ("choice", "wide", True),  # every option exists in the target
        ("wide", "choice", False),  # 'c' does not
        ("n", "price", True),
        ("price", "n", True),
        ("net", "price", True),  # a formula by its result type
        ("label", "title", True),
        ("net", "title", False),
        ("day", "day", True),
        ("title", "day", False),
        ("flag", "n", False),
        ("picks", "picks", True),
        ("other", "other", True),
        ("owner", "other", False),
        ("created_by", "owner", True),  # system columns have types too
        ("created_at", "day", False),
    ],
)
def test_which_copies_fit(source: str, target: str, fits: bool) -> None:
    fields = CheckContext(APP).entity("src")
    assert fields is not None
    problem = copy_problem(fields, source, fields.fields[target])
    assert (problem is None) is fits, problem


def test_the_grammar() -> None:
    assert parse_value("company") == Copy("company")
    assert parse_value("$customer") == Ref("customer")
    assert parse_value(3) == Fixed(3) and parse_value(None) == Fixed(None)
    assert parse_value(["a"]) == Fixed(["a"])
    assert isinstance(parse_value("='x'"), Computed)


def test_resolving_against_a_record() -> None:
    runtime = build_runtime(APP)
    entity = runtime.entities["src"]
    values: dict[str, Any] = {
        "id": 7,
        "title": "ACME",
        "price": Decimal("12.50"),
        "day": datetime(2026, 1, 2, tzinfo=UTC).date(),
    }
    record = RecordState(entity, 7, 1, values)
    ctx = EvalContext(user_id=3, now=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    refs = {"record": 7, "customer": 12, "skipped": None}
    assert resolve(parse_value("title"), record, refs, ctx) == "ACME"
    assert resolve(parse_value("price"), record, refs, ctx) == 12.5  # as the API sends it
    assert resolve(parse_value("day"), record, refs, ctx) == "2026-01-02"
    assert resolve(parse_value("=CONCAT(title, '!')"), record, refs, ctx) == "ACME!"
    assert resolve(parse_value("=CURRENT_USER()"), record, refs, ctx) == 3
    assert resolve(parse_value("$customer"), record, refs, ctx) == 12
    assert resolve(parse_value("$skipped"), record, refs, ctx) is None
    assert resolve(parse_value("$record"), record, refs, ctx) == 7
    fixed = ["a"]
    copied = resolve(parse_value(fixed), record, refs, ctx)
    assert copied == fixed and copied is not fixed
