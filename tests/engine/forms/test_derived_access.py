"""The dependency walk of ``engine.forms.derived_access``: pure, no database."""

from __future__ import annotations

import copy
from typing import Any

from builder.validate import load_definition
from engine.accounts.users import User
from engine.forms.derived_access import Input, hidden_fields, inputs
from engine.forms.permissions import FieldAccess, entity_access
from engine.forms.runtime import AppRuntime, build_runtime
from tests.engine.forms.derived_app import DEFINITION, HIDDEN, VISIBLE

REP = User(7, "rep", "Rep", False, None, None)
ADMIN = User(1, "admin", "Admin", True, None, None)


def runtime(definition: dict[str, Any] = DEFINITION) -> AppRuntime:
    return build_runtime(load_definition(definition))


def hidden_for(
    app: AppRuntime, entity: str, roles: frozenset[str] = frozenset({"rep"})
) -> set[str]:
    return set(entity_access(REP, roles, app, entity).hidden)


def test_each_kind_of_derivation_is_hidden_and_nothing_more() -> None:
    app = runtime()
    for entity, keys in HIDDEN.items():
        assert hidden_for(app, entity) == keys, entity
        assert not VISIBLE[entity] & keys
    # An entity rep may not read at all: everything on it is hidden.
    assert hidden_for(app, "vault") == {"code", "account"}
    for entity in HIDDEN:
        assert entity_access(ADMIN, frozenset(), app, entity).hidden == frozenset()


def test_link_titles_and_linked_views() -> None:
    app = runtime()
    deal = entity_access(REP, frozenset({"rep"}), app, "deal")
    # contact's title is hidden, vault cannot be read; account's title is fine.
    assert deal.hidden_titles == frozenset({"contact", "vault"})
    assert deal.linked_hidden["vault"] == frozenset({"code", "account"})
    assert deal.linked_hidden["account"] == frozenset(HIDDEN["account"])
    assert deal.linked_hidden["contact"] == frozenset({"name"})


def test_inputs_name_every_edge() -> None:
    app = runtime()
    deal, account = app.entities["deal"], app.entities["account"]
    assert inputs(deal.fields["account_tier"], deal) == [
        Input("deal", "account", False),
        Input("account", "tier", True),
    ]
    assert inputs(account.fields["hushed_deals"], account) == [
        Input("deal", "account", True),
        Input("deal", "hush", True),
    ]
    assert inputs(account.fields["ledger_total"], account) == [Input("account", "ledger", False)]
    assert inputs(deal.fields["amount"], deal) == []


def test_a_hidden_link_hides_its_lookups() -> None:
    definition = copy.deepcopy(DEFINITION)
    definition["roles"][0]["permissions"]["deal"]["fields"] = {"account": "hidden"}
    hidden = hidden_for(runtime(definition), "deal")
    assert {"account", "account_secret", "account_tier", "account_code"} <= hidden
    assert "contact_phone" not in hidden


def test_a_read_scope_of_nothing_hides_through_links_only() -> None:
    definition = copy.deepcopy(DEFINITION)
    # rep may create contacts but not read them: the contact's own fields stay
    # writable on create, but nothing of them shows through a deal.
    definition["roles"][0]["permissions"]["contact"] = {"read": False, "create": True}
    app = runtime(definition)
    contact = entity_access(REP, frozenset({"rep"}), app, "contact")
    assert contact.fields["name"] is FieldAccess.WRITE
    assert {"contact_phone"} <= hidden_for(app, "deal")
    assert "contact" in entity_access(REP, frozenset({"rep"}), app, "deal").hidden_titles


def test_several_roles_merge_before_the_walk() -> None:
    definition = copy.deepcopy(DEFINITION)
    definition["roles"].append(
        {"key": "auditor", "permissions": {"account": {"read": "all"}, "deal": {"read": "all"}}}
    )
    app = runtime(definition)
    # The auditor sees the secret, so with both roles nothing derived from it is hidden.
    both = hidden_for(app, "deal", frozenset({"rep", "auditor"}))
    assert both == {"vault_code"}


def test_cycles_across_entities_end() -> None:
    definition: dict[str, Any] = {
        "key": "loop",
        "version": "1.0.0",
        "entities": [
            {
                "key": "a",
                "fields": [
                    {"key": "b", "type": "link", "target": "b"},
                    {"key": "x", "type": "number"},
                    {"key": "from_b", "type": "lookup", "link": "b", "field": "f"},
                    {"key": "f", "type": "formula", "expr": "x + 1"},
                ],
            },
            {
                "key": "b",
                "fields": [
                    {"key": "a", "type": "link", "target": "a"},
                    {"key": "from_a", "type": "lookup", "link": "a", "field": "f"},
                    {"key": "f", "type": "formula", "expr": "2"},
                    {"key": "g", "type": "formula", "expr": "from_a"},
                    {"key": "total", "type": "rollup", "source": "a", "via": "b", "agg": "count"},
                ],
            },
        ],
    }
    app = runtime(definition)
    found = hidden_fields(app, {"a": frozenset({"x"}), "b": frozenset()}, frozenset())
    assert found.own["a"] == {"x", "f"}
    assert found.own["b"] == {"from_a", "g"}
    assert found.through_links["a"] == {"x", "f"}
    nothing = hidden_fields(app, {"a": frozenset(), "b": frozenset()}, frozenset())
    assert nothing.own == {"a": frozenset(), "b": frozenset()}
    unreadable = hidden_fields(app, {"a": frozenset(), "b": frozenset()}, frozenset({"a"}))
    assert unreadable.own["a"] == frozenset()
    assert unreadable.own["b"] == {"from_a", "g", "total"}
