"""The audit ``after`` of a batch of new records is each record's own, however
the batch's rows are laid out (``engine.forms.records._audit_afters``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from engine.forms.records import _audit_after, _audit_afters

NOW = datetime(2026, 12, 7, tzinfo=UTC)
SYSTEM = {"version": 1, "created_at": NOW, "created_by": 1, "updated_at": NOW, "updated_by": 1}
TO_JSON: dict[str, Any] = {"name": None, "amount": float, "tags": None, "lines": list}


def row(name: str, amount: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "amount": Decimal(amount), "tags": ["a"], **more, **SYSTEM}


def test_a_batch_gets_what_each_record_would_get_alone() -> None:
    rows = [
        row("A", "1.50"),
        row("B", "0"),
        # Keys in another order, a missing field, a key too many: each its own way.
        {**SYSTEM, "tags": None, "amount": Decimal("2"), "name": "C"},
        {**SYSTEM, "name": "D", "amount": Decimal("3")},
        row("E", "4", lines=[{"x": 1}]),
        row("F", "5.25"),
    ]
    children: list[dict[str, Any]] = [{}, {"lines": ({"q": 1},)}, {}, {}, {}, {}]
    expected = [_audit_after(TO_JSON, r, c) for r, c in zip(rows, children, strict=True)]
    got = _audit_afters(TO_JSON, rows, children)
    assert got == expected
    assert [list(a) for a in got] == [list(a) for a in expected]  # the same key order
    assert got[0] == {"name": "A", "amount": 1.5, "tags": ["a"]}
    assert got[1]["lines"] == [{"q": 1}]


def test_one_record_and_none() -> None:
    assert _audit_afters(TO_JSON, [row("A", "1")], [{}]) == [
        {"name": "A", "amount": 1.0, "tags": ["a"]}
    ]
    assert _audit_afters(TO_JSON, [], []) == []
