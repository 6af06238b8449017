"""The transfer action's publish-time checks (its runs are in tests/api/test_owner_patch.py)."""

from __future__ import annotations

from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from tests.engine.actions.sales_app import sales_app


def with_transfer(**options: Any) -> dict[str, Any]:
    definition = sales_app()
    definition["actions"].append(
        {
            "key": "transfer",
            "type": "transfer",
            "label": {"zh-CN": "转移", "en": "Transfer"},
            "entity": "lead",
            **options,
        }
    )
    return definition


def issues(definition: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as raised:
        load_definition(definition)
    return [(issue.path, issue.message) for issue in raised.value.issues]


def test_a_transfer_with_or_without_a_pool_publishes() -> None:
    load_definition(with_transfer(pool="lead_pool", set={"assigned_at": "=NOW()"}))
    load_definition(with_transfer())


def test_a_transfer_names_a_pool_of_its_entity_and_leaves_the_owner_to_itself() -> None:
    assert issues(with_transfer(pool="ghost")) == [("$.actions[5].pool", "unknown pool 'ghost'")]
    assert issues(with_transfer(entity="customer", pool="lead_pool")) == [
        ("$.actions[5].pool", "pool 'lead_pool' holds lead records, not customer")
    ]
    assert issues(with_transfer(set={"owner": 1})) == [
        ("$.actions[5].set.owner", "the transfer writes the owner itself")
    ]
    assert issues(with_transfer(entity="follow_up")) == [
        ("$.actions[5].entity", "follow_up has no owner field to transfer ('created_by')")
    ]
