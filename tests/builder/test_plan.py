"""Computing publish plans from two definitions: pure, no database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from builder.archive import Archive
from builder.operations import (
    BUILTINS,
    AddEntity,
    AddField,
    AddIndex,
    ArchiveEntity,
    ArchiveField,
    ChangeDefinition,
    ChangeField,
    ChangeType,
    DropIndex,
    Operation,
    RecomputeFormulas,
    RenameField,
    RestoreEntity,
    RestoreField,
    Scope,
    operation_kinds,
)
from builder.plan import Plan, compute_plan, next_version
from builder.validate import load_definition
from engine.definition import AppDefinition

SHOP: dict[str, Any] = {
    "key": "shop",
    "version": "1.0.0",
    "label": {"en": "Shop", "zh-CN": "商店"},
    "entities": [
        {
            "key": "customer",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True, "unique": True},
                {"key": "note", "type": "text", "label": {"en": "Note", "zh-CN": "备注"}},
                {"key": "level", "type": "select", "options": [{"value": "a"}, {"value": "b"}]},
                {"key": "limit", "type": "currency", "precision": 2},
                {"key": "score", "type": "number", "precision": 0},
                {"key": "double", "type": "formula", "expr": "score * 2", "precision": 0},
            ],
            "indexes": [["level", "score"]],
        },
        {
            "key": "order",
            "fields": [
                {"key": "customer", "type": "link", "target": "customer"},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [
                        {"key": "product", "type": "text"},
                        {"key": "qty", "type": "number", "precision": 0},
                    ],
                },
                {"key": "total", "type": "formula", "expr": "COUNTROWS(lines)", "precision": 0},
            ],
        },
    ],
}


def definition(data: dict[str, Any]) -> AppDefinition:
    return load_definition(data)


def changed(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(SHOP)
    edit(data)
    return data


def plan_of(edit: Any, archives: list[Archive] | None = None) -> Plan:
    return compute_plan(definition(SHOP), definition(changed(edit)), archives or [])


def fields(data: dict[str, Any], entity: int = 0) -> list[dict[str, Any]]:
    return list(data["entities"][entity]["fields"])


def kinds(plan: Plan) -> list[str]:
    return [op.kind for op in plan.operations]


def only(plan: Plan, kind: type[Operation]) -> Any:
    found = [op for op in plan.operations if isinstance(op, kind)]
    assert len(found) == 1, kinds(plan)
    return found[0]


def archive(**values: Any) -> Archive:
    base: dict[str, Any] = {
        "id": 7,
        "entity": "customer",
        "subtable": None,
        "field": "nickname",
        "table_name": "a_shop__customer",
        "names": {"nickname": "_v3_nickname"},
        "definition": {"key": "nickname", "type": "text"},
        "reason": "removed",
        "version": "1.0.0",
        "archived_at": datetime(2026, 1, 5, tzinfo=UTC),
    }
    return Archive(**{**base, **values})


def test_same_definition_plans_nothing() -> None:
    plan = compute_plan(definition(SHOP), definition(SHOP))
    assert plan.empty and plan.to_version == "1.0.1"
    assert plan.to_json()["operations"] == [] and plan.to_json()["blocking"] == []


def test_adding_a_field_adds_an_empty_column() -> None:
    plan = plan_of(lambda d: d["entities"][0]["fields"].append({"key": "web", "type": "text"}))
    op = only(plan, AddField)
    assert op.scope == Scope("customer") and op.field.key == "web"
    assert "not rewritten" in op.describe()["en"] and "不改写" in op.describe()["zh-CN"]
    assert kinds(plan) == ["add_field"] and plan.problems == ()


def test_a_renamed_field_is_renamed_not_archived() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["entities"][0]["fields"][1] = {"key": "remark", "type": "text", "renamed_from": "note"}

    plan = plan_of(edit)
    op = only(plan, RenameField)
    assert (op.old_key, op.field.key, op.table) == ("note", "remark", "a_shop__customer")
    assert not any(isinstance(o, ArchiveField | AddField) for o in plan.operations)


def test_a_renamed_unique_field_keeps_its_index() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["entities"][0]["fields"][0] = {
            "key": "title",
            "type": "text",
            "unique": True,
            "renamed_from": "name",
        }
        d["entities"][0]["title_field"] = "title"

    plan = plan_of(edit)
    assert not any(isinstance(o, AddIndex | DropIndex) for o in plan.operations)


@pytest.mark.parametrize(
    ("source", "message"),
    [("ghost", "no field 'ghost'"), ("level", "'level' is still a field")],
)
def test_a_rename_from_nothing_is_a_problem(source: str, message: str) -> None:
    plan = plan_of(
        lambda d: d["entities"][0]["fields"].append(
            {"key": "extra", "type": "text", "renamed_from": source}
        )
    )
    (problem,) = plan.problems
    assert problem.code == "bad_rename" and problem.blocking
    assert problem.path == "$.entities[0].fields[6].renamed_from"
    assert message in problem.message


def test_a_field_cannot_take_over_another_key_in_the_same_publish() -> None:
    plan = plan_of(lambda d: d["entities"][0]["fields"][2].update(renamed_from="note"))
    assert [p.code for p in plan.problems] == ["rename_conflict"]


def test_a_stale_renamed_from_is_ignored() -> None:
    published = changed(lambda d: d["entities"][0]["fields"][1].update(renamed_from="memo"))
    draft = copy.deepcopy(published)
    draft["entities"][0]["fields"][1]["label"] = {"en": "Remark"}
    plan = compute_plan(definition(published), definition(draft))
    assert kinds(plan) == ["change_field"] and plan.problems == ()


def test_a_removed_field_is_archived_and_its_index_goes_with_it() -> None:
    def edit(d: dict[str, Any]) -> None:
        del d["entities"][0]["fields"][2]
        d["entities"][0]["indexes"] = []

    plan = plan_of(edit)
    op = only(plan, ArchiveField)
    assert op.field.key == "level" and "archived, not deleted" in op.describe()["en"]
    assert not any(isinstance(o, DropIndex) for o in plan.operations)


@pytest.mark.parametrize(
    ("new", "kind"),
    [
        ({"key": "note", "type": "textarea"}, "change_type"),
        ({"key": "note", "type": "text", "max_length": 500}, "change_type"),
        ({"key": "note", "type": "number"}, "change_type"),
        ({"key": "note", "type": "text", "label": {"en": "Remark"}}, "change_field"),
    ],
)
def test_type_and_storage_changes(new: dict[str, Any], kind: str) -> None:
    plan = plan_of(lambda d: d["entities"][0]["fields"].__setitem__(1, new))
    assert kinds(plan) == [kind]
    op = plan.operations[0]
    if isinstance(op, ChangeType):
        assert (op.before_table, op.before_column) == ("a_shop__customer", "note")
        assert op.blocking_checks and op.changes_data
    else:
        assert not op.changes_data and "no change to stored data" in op.describe()["en"]


def test_widening_a_currency_is_a_type_change_of_the_same_type() -> None:
    plan = plan_of(lambda d: d["entities"][0]["fields"][3].update(precision=4))
    op = only(plan, ChangeType)
    assert op.old.type == op.new.type == "currency"
    assert "how field" in op.describe()["en"]


@pytest.mark.parametrize(
    "new",
    [
        {"key": "customer", "type": "text"},
        {"key": "customer", "type": "link", "target": "order"},
    ],
)
def test_unsupported_changes_are_problems(new: dict[str, Any]) -> None:
    plan = plan_of(lambda d: d["entities"][1]["fields"].__setitem__(0, new))
    (problem,) = plan.problems
    assert problem.code == "unsupported_change" and problem.path == "$.entities[1].fields[0].type"
    assert "add a new field" in problem.message


def test_readding_an_archived_field_restores_it() -> None:
    add = {"key": "nickname", "type": "text"}
    plan = plan_of(lambda d: d["entities"][0]["fields"].append(add), [archive()])
    op = only(plan, RestoreField)
    assert op.archive.id == 7 and "come back" in op.describe()["en"]
    assert kinds(plan) == ["restore_field"]


def test_restore_from_brings_an_archive_back_under_a_new_key() -> None:
    add = {"key": "alias", "type": "textarea", "restore_from": "nickname"}
    plan = plan_of(lambda d: d["entities"][0]["fields"].append(add), [archive()])
    assert kinds(plan) == ["restore_field", "change_type"]
    change = only(plan, ChangeType)
    assert (change.old.key, change.old.type, change.new.type) == ("alias", "text", "textarea")
    assert (change.before_table, change.before_column) == ("a_shop__customer", "_v3_nickname")


def test_restore_from_nothing_is_a_problem_and_replaced_copies_are_not_restored() -> None:
    replaced = archive(reason="replaced")
    plan = plan_of(
        lambda d: d["entities"][0]["fields"].append(
            {"key": "nickname", "type": "text", "restore_from": "nickname"}
        ),
        [replaced],
    )
    assert [p.code for p in plan.problems] == ["nothing_to_restore"]
    fresh = plan_of(
        lambda d: d["entities"][0]["fields"].append({"key": "nickname", "type": "text"}),
        [replaced],
    )
    assert kinds(fresh) == ["add_field"]


def test_entities_are_added_archived_and_restored() -> None:
    def add(d: dict[str, Any]) -> None:
        d["entities"].append({"key": "visit", "fields": [{"key": "at", "type": "datetime"}]})

    assert kinds(plan_of(add)) == ["add_entity"]
    assert "empty table" in only(plan_of(add), AddEntity).describe()["en"]
    removed = plan_of(lambda d: d["entities"].pop(1))
    assert kinds(removed) == ["archive_entity"]
    assert only(removed, ArchiveEntity).entity.key == "order"
    stored = archive(
        field=None,
        entity="visit",
        table_name="_v4_a_shop__visit",
        names={"a_shop__visit": "_v4_a_shop__visit"},
        definition={"key": "visit", "fields": [{"key": "at", "type": "date"}]},
    )
    restored = plan_of(add, [stored])
    assert kinds(restored) == ["restore_entity", "change_type"]
    change = only(restored, ChangeType)
    assert (change.before_table, change.before_column) == ("_v4_a_shop__visit", "at")
    assert only(restored, RestoreEntity).archive.id == 7


def test_index_flags_and_declared_indexes() -> None:
    def edit(d: dict[str, Any]) -> None:
        f = d["entities"][0]["fields"]
        f[0]["unique"] = False
        f[1]["unique"] = True
        f[3]["index"] = True
        d["entities"][0]["indexes"] = [["score", "level"]]

    plan = plan_of(edit)
    drops = sorted((op.columns, op.unique) for op in plan.operations if isinstance(op, DropIndex))
    adds = sorted((op.columns, op.unique) for op in plan.operations if isinstance(op, AddIndex))
    assert drops == [(("level", "score"), False), (("name",), True)]
    assert adds == [(("limit",), False), (("note",), True), (("score", "level"), False)]
    unique_add = next(op for op in plan.operations if isinstance(op, AddIndex) and op.unique)
    assert (unique_add.before_table, unique_add.before_columns) == ("a_shop__customer", ("note",))
    unique_drop = next(op for op in plan.operations if isinstance(op, DropIndex) and op.unique)
    assert unique_drop.field is not None and unique_drop.field.key == "name"


def test_formula_changes_recompute_and_say_so() -> None:
    plan = plan_of(lambda d: d["entities"][0]["fields"][5].update(expr="score * 3"))
    op = only(plan, RecomputeFormulas)
    assert op.fields == ("double",) and "every existing" in op.describe()["en"]
    assert kinds(plan) == ["recompute_formulas"]


def test_a_converted_input_recomputes_the_formulas_that_read_it() -> None:
    plan = plan_of(lambda d: d["entities"][0]["fields"][4].update(precision=2))
    assert kinds(plan) == ["change_type", "recompute_formulas"]


def test_an_added_formula_is_computed_for_existing_records() -> None:
    plan = plan_of(
        lambda d: d["entities"][0]["fields"].append(
            {"key": "half", "type": "formula", "expr": "score / 2"}
        )
    )
    assert kinds(plan) == ["add_field", "recompute_formulas"]
    assert "computed for every existing record" in only(plan, AddField).describe()["en"]


def test_sub_table_fields_change_in_the_child_table() -> None:
    def edit(d: dict[str, Any]) -> None:
        lines = d["entities"][1]["fields"][1]
        lines["key"] = "items"
        lines["renamed_from"] = "lines"
        lines["fields"][1] = {"key": "amount", "type": "number", "renamed_from": "qty"}
        lines["fields"].append({"key": "sku", "type": "text"})
        d["entities"][1]["fields"][2]["expr"] = "COUNTROWS(items)"

    plan = plan_of(edit)
    renames = {
        (op.scope, op.old_key, op.table) for op in plan.operations if isinstance(op, RenameField)
    }
    assert renames == {
        (Scope("order"), "lines", "a_shop__order"),
        (Scope("order", "items"), "qty", "a_shop__order__lines"),
    }
    add = only(plan, AddField)
    assert add.scope == Scope("order", "items") and add.scope.path == "order.items"
    change = only(plan, ChangeType)  # qty had precision 0, amount has none
    assert change.before_table == "a_shop__order__lines" and change.before_column == "qty"
    assert any(isinstance(op, RecomputeFormulas) for op in plan.operations)


def test_operations_run_in_phase_order() -> None:
    def edit(d: dict[str, Any]) -> None:
        f = d["entities"][0]["fields"]
        f.append({"key": "web", "type": "text", "index": True})
        del f[2]
        f[0] = {
            "key": "title",
            "type": "text",
            "required": True,
            "unique": True,
            "renamed_from": "name",
        }
        d["entities"][0]["title_field"] = "title"
        d["entities"][0]["indexes"] = []
        d["entities"].append({"key": "visit", "fields": [{"key": "at", "type": "date"}]})

    plan = plan_of(edit, [archive()])
    phases = [op.phase for op in plan.operations]
    assert phases == sorted(phases)
    assert kinds(plan) == [
        "archive_field",
        "rename_field",
        "add_entity",
        "add_field",
        "add_index",
        "change_definition",
    ]
    assert only(plan, ChangeDefinition).parts == ("customer (title_field)",)


def test_changing_options_only_is_a_new_version_without_ddl() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["entities"][0]["fields"][2]["options"] = [{"value": "a"}, {"value": "c"}]
        d["label"] = {"en": "Store"}

    plan = plan_of(edit)
    assert kinds(plan) == ["change_field", "change_definition"]
    assert only(plan, ChangeField).changed == ("options",)
    assert not plan.to_json()["changes_data"]


@pytest.mark.parametrize(
    ("published", "draft", "expected"),
    [("1.0.0", "1.0.0", "1.0.1"), ("1.2.9", "1.0.0", "1.2.10"), ("1.0.0", "2.0.0", "2.0.0")],
)
def test_next_version(published: str, draft: str, expected: str) -> None:
    assert next_version(published, draft) == expected


def test_every_kind_is_registered_and_speaks_both_languages() -> None:
    assert sorted(operation_kinds) == sorted(cls.kind for cls in BUILTINS)
    phases = [cls.phase for cls in BUILTINS]
    assert phases == sorted(phases)

    def edit(d: dict[str, Any]) -> None:
        f = d["entities"][0]["fields"]
        f.append({"key": "web", "type": "text", "index": True})
        f[1]["type"] = "textarea"
        f[2]["options"] = [{"value": "a"}]
        f[5]["expr"] = "score * 3"
        d["entities"].append({"key": "visit", "fields": [{"key": "at", "type": "date"}]})

    plan = plan_of(edit)
    for op in plan.operations:
        text = op.describe()
        assert set(text) == {"en", "zh-CN"} and all(text.values())
        assert op.to_json()["kind"] == op.kind
