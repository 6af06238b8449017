"""Access computed from the definition's roles: pure, no database."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from builder.validate import DefinitionError, load_definition
from engine.accounts.users import User
from engine.forms.permissions import (
    EntityAccess,
    FieldAccess,
    RecordScope,
    entity_access,
    owner_key,
)
from engine.forms.runtime import AppRuntime, build_runtime

H, R, W = FieldAccess.HIDDEN, FieldAccess.READ, FieldAccess.WRITE

SHOP: dict[str, Any] = {
    "key": "shop",
    "version": "1.0.0",
    "entities": [
        {
            "key": "product",
            "title_field": "name",
            "fields": [{"key": "name", "type": "text"}, {"key": "list_price", "type": "currency"}],
        },
        {
            "key": "order",
            "title_field": "number",
            "fields": [
                {"key": "number", "type": "autonumber", "pattern": "O-{seq:4}"},
                {"key": "product", "type": "link", "target": "product"},
                {"key": "owner", "type": "user"},
                {"key": "price", "type": "currency"},
                {"key": "cost", "type": "currency"},
                {"key": "margin", "type": "formula", "expr": "price - cost"},
                {"key": "margin_rate", "type": "formula", "expr": "margin / price"},
                {"key": "total", "type": "formula", "expr": "price * 2"},
                {"key": "note", "type": "textarea"},
            ],
        },
    ],
    "roles": [
        {
            "key": "clerk",
            "permissions": {
                "order": {
                    "read": "own",
                    "create": True,
                    "update": "own",
                    "fields": {"cost": "hidden", "price": "read"},
                },
                "product": {"read": "all", "fields": {"name": "hidden"}},
            },
        },
        {
            "key": "lead",
            "permissions": {
                "order": {
                    "read": "department",
                    "update": "department_and_below",
                    "delete": "department",
                    "fields": {"cost": "read", "note": "hidden"},
                }
            },
        },
        {"key": "auditor", "permissions": {"order": {"read": True, "fields": {"note": "hidden"}}}},
    ],
}

CLERK = User(7, "clerk", "Clerk", False, 3, None)
ADMIN = User(1, "admin", "Admin", True, None, None)


@pytest.fixture(scope="module")
def shop() -> AppRuntime:
    return build_runtime(load_definition(SHOP))


def access(
    shop: AppRuntime, *roles: str, user: User = CLERK, entity: str = "order"
) -> EntityAccess:
    return entity_access(user, roles, shop, entity)


def test_one_role_grants_its_scopes_and_field_levels(shop: AppRuntime) -> None:
    clerk = access(shop, "clerk")
    assert (clerk.read, clerk.create, clerk.update, clerk.delete) == (
        RecordScope.OWN,
        True,
        RecordScope.OWN,
        RecordScope.NONE,
    )
    assert dict(clerk.fields) == {
        "number": R,  # computed by the engine: never writable
        "product": W,  # not listed: write
        "owner": W,
        "price": R,
        "cost": H,
        "margin": H,  # reads the hidden cost
        "margin_rate": H,  # reads the hidden margin
        "total": R,  # reads only the visible price
        "note": W,
    }
    assert clerk.hidden == {"cost", "margin", "margin_rate"}
    assert clerk.allows("create") and not clerk.allows("delete")


def test_roles_merge_to_the_most_permissive_per_action_and_field(shop: AppRuntime) -> None:
    merged = access(shop, "clerk", "lead")
    assert (merged.read, merged.create, merged.update, merged.delete) == (
        RecordScope.DEPARTMENT,
        True,
        RecordScope.DEPARTMENT_AND_BELOW,
        RecordScope.DEPARTMENT,
    )
    # cost: hidden for the clerk, read for the lead; note: write for the clerk.
    assert merged.fields["cost"] is R and merged.fields["margin"] is R
    assert merged.fields["note"] is W and merged.fields["price"] is W
    assert merged.hidden == frozenset()


def test_read_only_roles_cannot_write_any_field(shop: AppRuntime) -> None:
    auditor = access(shop, "auditor")
    assert auditor.read is RecordScope.ALL and not auditor.create
    assert auditor.update is RecordScope.NONE and auditor.delete is RecordScope.NONE
    assert {level for key, level in auditor.fields.items() if key != "note"} == {R}
    assert auditor.fields["note"] is H


def test_no_role_or_unknown_roles_grant_nothing(shop: AppRuntime) -> None:
    for nothing in (access(shop), access(shop, "nobody"), access(shop, "lead", entity="product")):
        assert not any(nothing.allows(a) for a in ("read", "create", "update", "delete"))
        assert set(nothing.fields.values()) == {H}


def test_administrators_may_do_everything(shop: AppRuntime) -> None:
    admin = access(shop, user=ADMIN)
    assert admin.unrestricted and admin.read is RecordScope.ALL and admin.create
    assert admin.hidden == frozenset()
    assert admin.fields["cost"] is W and admin.fields["margin"] is R
    assert admin.condition("read", shop.entities["order"].table) is None


def test_a_link_whose_target_title_is_hidden_loses_its_title(shop: AppRuntime) -> None:
    assert access(shop, "clerk").hidden_titles == {"product"}
    # The lead cannot see products at all, so their names are not theirs to see either.
    assert access(shop, "lead").hidden_titles == {"product"}
    assert access(shop, user=ADMIN).hidden_titles == frozenset()


def test_fields_hidden_on_linked_entities_are_known_for_filters(shop: AppRuntime) -> None:
    assert dict(access(shop, "clerk").linked_hidden) == {"product": {"name"}}
    assert dict(access(shop, "lead").linked_hidden) == {"product": {"name", "list_price"}}
    assert dict(access(shop, "clerk", entity="product").linked_hidden) == {}


def test_access_is_immutable(shop: AppRuntime) -> None:
    clerk = access(shop, "clerk")
    with pytest.raises(AttributeError):
        clerk.read = RecordScope.ALL  # type: ignore[misc]
    with pytest.raises(TypeError):
        clerk.fields["cost"] = W  # type: ignore[index]


def test_to_json_is_what_the_permissions_endpoint_serves(shop: AppRuntime) -> None:
    lead = access(shop, "lead", user=User(8, "lead", "Lead", False, 3, None))
    assert lead.to_json() == {
        "read": "department",
        "create": False,
        "update": "department_and_below",
        "delete": "department",
        "owner_field": "owner",
        "fields": {
            "number": "read",
            "product": "write",
            "owner": "write",
            "price": "write",
            "cost": "read",
            "margin": "read",
            "margin_rate": "read",
            "total": "read",
            "note": "hidden",
        },
    }
    assert access(shop, "auditor").to_json()["update"] is False


@pytest.mark.parametrize(
    ("value", "scope"),
    [
        (True, RecordScope.ALL),
        (False, RecordScope.NONE),
        ("own", RecordScope.OWN),
        ("department", RecordScope.DEPARTMENT),
        ("department_and_below", RecordScope.DEPARTMENT_AND_BELOW),
        ("all", RecordScope.ALL),
    ],
)
def test_scope_values_of_the_definition(value: Any, scope: RecordScope) -> None:
    assert RecordScope.of(value) is scope


# -- the SQL a scope compiles to (golden) -------------------------------------
def sql(table: Table, access: EntityAccess, action: Any = "read", dialect: Any = None) -> str:
    """The records query's statement, restricted by the scope, on one line."""
    condition = access.condition(action, table)
    assert condition is not None
    statement = select(table.c.id).where(condition)
    compiled = statement.compile(
        dialect=dialect or sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    return " ".join(str(compiled).split())


SELECT = "SELECT a_shop__order.id FROM a_shop__order WHERE "


def test_own_scope_compares_the_owner(shop: AppRuntime) -> None:
    table = shop.entities["order"].table
    assert sql(table, access(shop, "clerk")) == SELECT + "a_shop__order.owner = 7"


def test_department_scope_is_a_subquery_on_users(shop: AppRuntime) -> None:
    table = shop.entities["order"].table
    lead = access(shop, "lead")
    expected = SELECT + (
        "a_shop__order.owner IN (SELECT users.id FROM users WHERE users.department_id = 3)"
    )
    assert sql(table, lead) == expected
    assert sql(table, lead, "delete", postgresql.dialect()) == expected


def test_department_and_below_walks_the_tree_in_the_same_statement(shop: AppRuntime) -> None:
    table = shop.entities["order"].table
    lead = access(shop, "lead")
    expected = (
        "WITH RECURSIVE department_tree(id) AS (SELECT departments.id AS id FROM departments "
        "WHERE departments.id = 3 UNION SELECT departments.id AS id FROM departments, "
        "department_tree WHERE departments.parent_id = department_tree.id) "
        + SELECT
        + "a_shop__order.owner IN (SELECT users.id FROM users WHERE users.department_id IN "
        "(SELECT department_tree.id FROM department_tree))"
    )
    # One statement, the same on both databases: the tree is walked by the database.
    assert sql(table, lead, "update") == expected
    assert sql(table, lead, "update", postgresql.dialect()) == expected


def test_without_a_department_the_department_scopes_mean_own(shop: AppRuntime) -> None:
    table = shop.entities["order"].table
    loner = access(shop, "lead", user=User(9, "loner", "Loner", False, None, None))
    assert sql(table, loner) == SELECT + "a_shop__order.owner = 9"
    assert sql(table, loner, "update") == SELECT + "a_shop__order.owner = 9"


def test_no_scope_is_a_false_condition(shop: AppRuntime) -> None:
    table = shop.entities["order"].table
    assert sql(table, access(shop, "clerk"), "delete") == SELECT + "0 = 1"
    assert sql(table, access(shop, "clerk"), "delete", postgresql.dialect()) == SELECT + "false"


# -- the owner field ----------------------------------------------------------
def definition_with(owner_field: str | None = None, **owner: Any) -> dict[str, Any]:
    app = copy.deepcopy(SHOP)
    order = app["entities"][1]
    if owner_field is not None:
        order["owner_field"] = owner_field
    if owner:
        order["fields"] = [f if f["key"] != "owner" else {**f, **owner} for f in order["fields"]]
    return app


def test_owner_defaults_to_a_user_field_named_owner_else_created_by() -> None:
    assert owner_key(load_definition(definition_with()).entities[1]) == "owner"
    assert owner_key(load_definition(definition_with(type="text")).entities[1]) == "created_by"
    assert owner_key(load_definition(SHOP).entities[0]) == "created_by"


def test_an_explicit_owner_field_wins() -> None:
    app = definition_with("owner", key="salesperson")
    app["entities"][1]["owner_field"] = "salesperson"
    assert owner_key(load_definition(app).entities[1]) == "salesperson"
    assert owner_key(load_definition(definition_with("created_by")).entities[1]) == "created_by"


@pytest.mark.parametrize(
    ("owner_field", "message"),
    [
        ("price", "'price' is a currency field; the owner must be a user field or created_by"),
        ("boss", "unknown field 'boss'"),
    ],
)
def test_the_owner_field_must_be_a_user_field(owner_field: str, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition(definition_with(owner_field))
    assert {(i.path, i.message) for i in caught.value.issues} == {
        ("$.entities[1].owner_field", message)
    }
