"""Publishing drafts: plans applied to real tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, select

from api.platform import Platform
from builder import ddl
from builder.apps import install_app, save_draft
from builder.archive import archives_of
from builder.operations import PlanRefused, Problem
from builder.operations import change as change_module
from builder.publish import NothingToPublish, Published, plan_publish, publish
from builder.validate import load_definition
from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import Conflict, RecordInvalid
from engine.forms.records import ListQuery, create_records, get_record, list_records
from engine.store.tables import app_versions, apps, archived_columns, audit_log

APP: dict[str, Any] = {
    "key": "crm",
    "version": "1.0.0",
    "entities": [
        {
            "key": "contact",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True, "unique": True},
                {"key": "note", "type": "text"},
                {"key": "score", "type": "text"},
                {"key": "amount", "type": "currency", "precision": 2},
                {"key": "level", "type": "select", "options": [{"value": "a"}, {"value": "b"}]},
                {
                    "key": "double",
                    "type": "formula",
                    "expr": "amount * 2",
                    "result_type": "currency",
                },
            ],
        },
        {
            "key": "deal",
            "fields": [
                {"key": "title", "type": "text"},
                {"key": "contact", "type": "link", "target": "contact", "on_delete": "cascade"},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [
                        {"key": "product", "type": "text"},
                        {"key": "qty", "type": "number", "precision": 0},
                    ],
                },
            ],
        },
    ],
}

CONTACTS = [
    {"name": "Ann", "note": "first", "score": "10", "amount": 1.5, "level": "a"},
    {"name": "Bob", "note": "second", "score": "20.5", "amount": 2, "level": "b"},
    {"name": "Cy", "score": "n/a", "amount": 3},
]


def edited(edit: Callable[[dict[str, Any]], None], data: dict[str, Any] = APP) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    edit(copied)
    return copied


def contact_fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data["entities"][0]["fields"])


def set_field(key: str, new: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        fields = data["entities"][0]["fields"]
        index = next(i for i, f in enumerate(fields) if f["key"] == key)
        fields[index] = new

    return edit


def drop_field(key: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["entities"][0]["fields"] = [
            f for f in data["entities"][0]["fields"] if f["key"] != key
        ]

    return edit


class Crm:
    """The test app installed in a fresh tenant, with helpers to write, read and publish."""

    def __init__(self, platform: Platform, tenant: str, data: dict[str, Any] = APP) -> None:
        self.platform = platform
        self.tenant = tenant
        with platform.store.write(tenant) as conn:
            install_app(conn, load_definition(data))

    def add(self, entity: str, rows: list[dict[str, Any]]) -> list[int]:
        with self.platform.store.write(self.tenant) as conn:
            runtime = self.platform.runtime(conn, self.tenant, "crm")
            ctx = WriteContext(conn, runtime, entity, None, datetime.now(UTC))
            return create_records(ctx, runtime.entities[entity], rows)

    def records(self, entity: str = "contact") -> dict[int, dict[str, Any]]:
        with self.platform.store.read(self.tenant) as conn:
            runtime = self.platform.runtime(conn, self.tenant, "crm")
            ctx = ReadContext(conn, runtime, entity)
            page = list_records(ctx, runtime.entities[entity], ListQuery(page_size=500))
            return {item["id"]: item for item in page["items"]}

    def record(self, entity: str, record_id: int) -> dict[str, Any]:
        with self.platform.store.read(self.tenant) as conn:
            runtime = self.platform.runtime(conn, self.tenant, "crm")
            return get_record(
                ReadContext(conn, runtime, entity), runtime.entities[entity], record_id
            )

    def draft(self, data: dict[str, Any]) -> None:
        with self.platform.store.write(self.tenant) as conn:
            save_draft(conn, "crm", load_definition(data), None)

    def publish(self, data: dict[str, Any]) -> Published:
        self.draft(data)
        with self.platform.store.write(self.tenant) as conn:
            return publish(conn, "crm", None)

    def refused(self, data: dict[str, Any]) -> list[Problem]:
        with pytest.raises(PlanRefused) as err:
            self.publish(data)
        return err.value.problems

    def columns(self, table: str = "a_crm__contact") -> set[str]:
        with self.platform.store.read(self.tenant) as conn:
            return {c["name"] for c in inspect(conn).get_columns(table)}

    def indexes(self, table: str = "a_crm__contact") -> list[ddl.PhysicalIndex]:
        with self.platform.store.read(self.tenant) as conn:
            return ddl.physical_indexes(conn, table)

    def published_version(self) -> tuple[int, str]:
        with self.platform.store.read(self.tenant) as conn:
            row = conn.execute(
                select(app_versions.c.id, app_versions.c.version)
                .join(apps, apps.c.published_version_id == app_versions.c.id)
                .where(apps.c.key == "crm")
            ).one()
            return int(row.id), str(row.version)


@pytest.fixture
def crm(platform: Platform, tenant: str) -> Crm:
    app = Crm(platform, tenant)
    app.add("contact", CONTACTS)
    return app


def by_name(records: dict[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r.get("name") or r.get("title") or str(r["id"]): r for r in records.values()}


def test_adding_a_field_keeps_every_record_and_switches_versions(crm: Crm) -> None:
    before = crm.records()
    old_version_id, _ = crm.published_version()
    published = crm.publish(
        edited(lambda d: d["entities"][0]["fields"].append({"key": "web", "type": "text"}))
    )
    assert published.version == "1.0.1" and [op.kind for op in published.plan.operations] == [
        "add_field"
    ]
    after = crm.records()
    assert {k: {f: v for f, v in r.items() if f != "web"} for k, r in after.items()} == before
    assert all(r["web"] is None for r in after.values())
    (new_id,) = crm.add("contact", [{"name": "Dee", "web": "dee.example"}])
    assert crm.record("contact", new_id)["web"] == "dee.example"
    assert crm.published_version() == (published.version_id, "1.0.1")
    with crm.platform.store.read(crm.tenant) as conn:
        statuses = dict(conn.execute(select(app_versions.c.id, app_versions.c.status)).all())
        actions = list(conn.scalars(select(audit_log.c.action).where(audit_log.c.app_key == "crm")))
    assert statuses == {old_version_id: "superseded", published.version_id: "published"}
    assert actions.count("app.publish") == 1


def test_publishing_needs_a_draft_that_changes_something(crm: Crm) -> None:
    from engine.definition.versions import AppNotFound

    with pytest.raises(AppNotFound), crm.platform.store.write(crm.tenant) as conn:
        publish(conn, "crm", None)
    crm.draft(APP)
    with pytest.raises(NothingToPublish), crm.platform.store.write(crm.tenant) as conn:
        publish(conn, "crm", None)


def test_a_rename_keeps_the_data_and_the_unique_index(crm: Crm) -> None:
    def edit(data: dict[str, Any]) -> None:
        set_field(
            "name",
            {
                "key": "full_name",
                "type": "text",
                "required": True,
                "unique": True,
                "renamed_from": "name",
            },
        )(data)
        set_field("note", {"key": "remark", "type": "text", "renamed_from": "note"})(data)
        data["entities"][0]["title_field"] = "full_name"

    before = by_name(crm.records())
    crm.publish(edited(edit))
    after = {r["full_name"]: r for r in crm.records().values()}
    assert set(after) == set(before)
    assert after["Ann"]["remark"] == "first" and after["Cy"]["remark"] is None
    assert {"name", "note"}.isdisjoint(crm.columns())
    unique = [ix for ix in crm.indexes() if ix.unique]
    assert [ix.columns for ix in unique] == [("full_name",)]
    if unique[0].kind != "inline":  # SQLite keeps the constraint inside CREATE TABLE
        assert unique[0].name == "uq_a_crm__contact__full_name"
    with pytest.raises((RecordInvalid, Conflict)):
        crm.add("contact", [{"full_name": "Ann"}])


def test_safe_type_changes_convert_the_values(crm: Crm) -> None:
    def edit(data: dict[str, Any]) -> None:
        set_field("note", {"key": "note", "type": "textarea"})(data)
        set_field("amount", {"key": "amount", "type": "currency", "precision": 4})(data)
        set_field(
            "level",
            {"key": "level", "type": "multiselect", "options": [{"value": "a"}, {"value": "b"}]},
        )(data)

    crm.publish(edited(edit))
    after = by_name(crm.records())
    assert after["Ann"]["note"] == "first" and after["Cy"]["note"] is None
    assert after["Bob"]["amount"] == 2 and after["Ann"]["amount"] == 1.5
    assert after["Ann"]["level"] == ["a"] and after["Cy"]["level"] is None
    (new_id,) = crm.add("contact", [{"name": "Dee", "amount": 1.2345, "level": ["a", "b"]}])
    assert crm.record("contact", new_id)["amount"] == 1.2345


def test_text_to_number_converts_when_every_value_is_a_number(
    platform: Platform, tenant: str
) -> None:
    app = Crm(platform, tenant)
    app.add("contact", [{"name": "Ann", "score": "10"}, {"name": "Bob", "score": " 20.5 "}])
    app.publish(edited(set_field("score", {"key": "score", "type": "number", "precision": 1})))
    assert {r["name"]: r["score"] for r in app.records().values()} == {"Ann": 10, "Bob": 20.5}
    with platform.store.read(tenant) as conn:
        (archived,) = archives_of(conn, "crm")
    assert archived.reason == "replaced" and archived.field == "score"
    assert set(archived.names) == {"score"} and archived.table_name == "a_crm__contact"
    assert archived.names["score"] in app.columns()


def test_an_unsafe_type_change_is_refused_naming_the_records(crm: Crm) -> None:
    cy = next(r["id"] for r in crm.records().values() if r["name"] == "Cy")
    draft = edited(set_field("score", {"key": "score", "type": "number"}))
    crm.draft(draft)
    with crm.platform.store.read(crm.tenant) as conn:
        report = plan_publish(conn, "crm")
    (blocking,) = report.to_json()["blocking"]
    assert blocking["path"] == "contact.score" and blocking["total"] == 1
    assert blocking["records"] == [{"id": cy, "value": "n/a", "message": "must be a number"}]
    (problem,) = crm.refused(draft)
    assert [r.id for r in problem.records] == [cy]
    assert problem.errors()[0]["record"] == cy and problem.errors()[0]["field"] == "contact.score"
    assert crm.published_version()[1] == "1.0.0"
    assert by_name(crm.records())["Cy"]["score"] == "n/a"


def test_a_unique_field_refuses_values_that_would_collide(crm: Crm) -> None:
    crm.add("contact", [{"name": "Dee", "note": "first"}])
    problems = crm.refused(
        edited(set_field("note", {"key": "note", "type": "text", "unique": True}))
    )
    assert [p.code for p in problems] == ["not_unique"]
    assert {r.value for r in problems[0].records} == {"first"} and problems[0].total == 2


def test_adding_and_removing_indexes(crm: Crm) -> None:
    def edit(data: dict[str, Any]) -> None:
        set_field("name", {"key": "name", "type": "text", "required": True})(data)
        set_field("note", {"key": "note", "type": "text", "unique": True, "index": True})(data)
        data["entities"][0]["indexes"] = [["level", "amount"]]

    crm.publish(edited(edit))
    found = {(ix.columns, ix.unique) for ix in crm.indexes()}
    assert (("note",), True) in found and (("level", "amount"), False) in found
    assert (("name",), True) not in found
    crm.add("contact", [{"name": "Ann", "note": "third"}])  # a second Ann is allowed now
    assert sorted(r["name"] for r in crm.records().values()).count("Ann") == 2


def test_removing_archives_and_readding_restores(crm: Crm) -> None:
    before = {r["name"]: r["note"] for r in crm.records().values()}
    removed = edited(drop_field("note"))
    published = crm.publish(removed)
    assert "note" not in next(iter(crm.records().values()))
    archived = f"_v{published.version_id}_note"
    assert archived in crm.columns()
    with crm.platform.store.read(crm.tenant) as conn:
        (row,) = conn.execute(select(archived_columns)).mappings()
    assert (row["entity"], row["field"], row["reason"]) == ("contact", "note", "removed")
    assert row["names"] == {"note": archived} and row["definition"]["type"] == "text"
    crm.add("contact", [{"name": "Dee"}])
    crm.publish(
        edited(
            lambda d: d["entities"][0]["fields"].append({"key": "note", "type": "text"}), removed
        )
    )
    after = {r["name"]: r["note"] for r in crm.records().values()}
    assert after == {**before, "Dee": None}
    with crm.platform.store.read(crm.tenant) as conn:
        assert archives_of(conn, "crm") == []


def test_restore_from_brings_data_back_under_a_new_key(crm: Crm) -> None:
    removed = edited(drop_field("note"))
    crm.publish(removed)
    crm.publish(
        edited(
            lambda d: d["entities"][0]["fields"].append(
                {"key": "memo", "type": "textarea", "restore_from": "note"}
            ),
            removed,
        )
    )
    assert by_name(crm.records())["Bob"]["memo"] == "second"


def test_a_failed_publish_leaves_the_previous_version_working(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = crm.records()
    columns = crm.columns()
    version = crm.published_version()

    def edit(data: dict[str, Any]) -> None:
        drop_field("level")(data)
        set_field("note", {"key": "remark", "type": "text", "renamed_from": "note"})(data)
        set_field("amount", {"key": "amount", "type": "text"})(data)
        data["entities"][0]["fields"].append({"key": "web", "type": "text"})

    calls: list[str] = []

    def fail_halfway(*args: Any) -> None:
        calls.append(args[2])  # the temporary column was added and is being filled
        raise RuntimeError("disk full")

    monkeypatch.setattr(change_module, "write_values", fail_halfway)
    crm.draft(edited(edit))
    with (
        pytest.raises(RuntimeError, match="disk full"),
        crm.platform.store.write(crm.tenant) as conn,
    ):
        publish(conn, "crm", None)
    assert calls == ["_new_amount"]
    assert crm.published_version() == version
    assert crm.columns() == columns
    assert crm.records() == before
    crm.platform.runtimes.forget_tenant(crm.tenant)  # a fresh process sees the same
    assert crm.records() == before
    (new_id,) = crm.add("contact", [{"name": "Dee", "note": "still", "level": "a"}])
    assert crm.record("contact", new_id)["note"] == "still"
    with crm.platform.store.read(crm.tenant) as conn:
        assert conn.scalar(select(archived_columns.c.id)) is None
        draft = conn.scalar(select(app_versions.c.status).where(app_versions.c.status == "draft"))
    assert draft == "draft"
    monkeypatch.undo()
    crm.publish(edited(edit))
    assert by_name(crm.records())["Ann"]["amount"] == "1.50"


def test_adding_an_entity_with_a_sub_table_and_links(crm: Crm) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["entities"].append(
            {
                "key": "visit",
                "fields": [
                    {"key": "contact", "type": "link", "target": "contact"},
                    {"key": "deal", "type": "link", "target": "deal", "on_delete": "set_null"},
                    {
                        "key": "steps",
                        "type": "subtable",
                        "fields": [{"key": "what", "type": "text"}],
                    },
                ],
            }
        )
        data["entities"][1]["fields"].append({"key": "visit", "type": "link", "target": "visit"})

    crm.publish(edited(edit))
    ann = next(r["id"] for r in crm.records().values() if r["name"] == "Ann")
    (deal,) = crm.add("deal", [{"title": "Big"}])
    (visit,) = crm.add("visit", [{"contact": ann, "deal": deal, "steps": [{"what": "call"}]}])
    assert crm.record("visit", visit)["steps"] == [{"what": "call"}]
    with pytest.raises(RecordInvalid):
        crm.add("visit", [{"contact": 9999}])


def test_removing_an_entity_archives_its_tables_and_readding_restores_them(crm: Crm) -> None:
    ann = next(r["id"] for r in crm.records().values() if r["name"] == "Ann")
    (deal,) = crm.add(
        "deal", [{"title": "Big", "contact": ann, "lines": [{"product": "x", "qty": 2}]}]
    )
    without = edited(lambda d: d["entities"].pop(1))
    published = crm.publish(without)
    with crm.platform.store.read(crm.tenant) as conn:
        tables = set(inspect(conn).get_table_names())
    archived = f"_v{published.version_id}_a_crm__deal"
    assert {archived, f"{archived}__lines"} <= tables and "a_crm__deal" not in tables
    crm.publish(APP)
    assert crm.record("deal", deal)["lines"] == [{"product": "x", "qty": 2}]
    assert crm.record("deal", deal)["contact"] == ann


def test_changed_formulas_are_recomputed_for_existing_records(crm: Crm) -> None:
    def edit(data: dict[str, Any]) -> None:
        set_field(
            "double",
            {"key": "double", "type": "formula", "expr": "amount * 3", "result_type": "currency"},
        )(data)

    assert {r["name"]: r["double"] for r in crm.records().values()} == {"Ann": 3, "Bob": 4, "Cy": 6}
    published = crm.publish(edited(edit))
    assert "recompute_formulas" in [op.kind for op in published.plan.operations]
    assert {r["name"]: r["double"] for r in crm.records().values()} == {
        "Ann": 4.5,
        "Bob": 6,
        "Cy": 9,
    }


def test_sub_table_fields_evolve_and_keep_their_rows(crm: Crm) -> None:
    (deal,) = crm.add("deal", [{"title": "Big", "lines": [{"product": "x", "qty": 2}]}])

    def edit(data: dict[str, Any]) -> None:
        lines = data["entities"][1]["fields"][2]
        lines.update(key="items", renamed_from="lines")
        lines["fields"][1] = {
            "key": "count",
            "type": "number",
            "precision": 2,
            "renamed_from": "qty",
        }
        lines["fields"].append({"key": "sku", "type": "text"})

    crm.publish(edited(edit))
    assert crm.record("deal", deal)["items"] == [{"product": "x", "count": 2, "sku": None}]
    assert {"product", "count", "sku"} <= crm.columns("a_crm__deal__items")


def test_a_converted_field_keeps_its_index(platform: Platform, tenant: str) -> None:
    indexed = edited(set_field("score", {"key": "score", "type": "text", "index": True}))
    app = Crm(platform, tenant, indexed)
    app.add("contact", [{"name": "Ann", "score": "7"}])
    app.publish(
        edited(set_field("score", {"key": "score", "type": "number", "index": True}), indexed)
    )
    assert [ix.columns for ix in app.indexes() if not ix.unique] == [("score",)]
    assert by_name(app.records())["Ann"]["score"] == 7


def test_removed_links_and_sub_tables_come_back(crm: Crm) -> None:
    ann = next(r["id"] for r in crm.records().values() if r["name"] == "Ann")
    (deal,) = crm.add(
        "deal", [{"title": "Big", "contact": ann, "lines": [{"product": "x", "qty": 1}]}]
    )

    def remove(data: dict[str, Any]) -> None:
        data["entities"][1]["fields"] = data["entities"][1]["fields"][:1]

    without = edited(remove)
    crm.publish(without)
    assert {"contact", "lines"}.isdisjoint(crm.record("deal", deal))
    crm.publish(APP)
    restored = crm.record("deal", deal)
    assert restored["contact"] == ann and restored["lines"] == [{"product": "x", "qty": 1}]
    with crm.platform.store.read(crm.tenant) as conn:
        fks = inspect(conn).get_foreign_keys("a_crm__deal")
    assert any(fk["constrained_columns"] == ["contact"] for fk in fks)
    with pytest.raises(RecordInvalid):
        crm.add("deal", [{"contact": 9999}])


def test_options_that_invalidate_values_warn_and_keep_them(crm: Crm) -> None:
    def edit(data: dict[str, Any]) -> None:
        set_field("level", {"key": "level", "type": "select", "options": [{"value": "a"}]})(data)
        data["entities"][0]["fields"].append({"key": "city", "type": "text", "required": True})

    crm.draft(edited(edit))
    with crm.platform.store.read(crm.tenant) as conn:
        plan = plan_publish(conn, "crm").to_json()
    assert plan["blocking"] == []
    warnings = {w["code"]: w for w in plan["warnings"]}
    assert set(warnings) == {"values_now_invalid", "required_field_empty"}
    assert [r["value"] for r in warnings["values_now_invalid"]["records"]] == ["b"]
    crm.publish(edited(edit))
    assert by_name(crm.records())["Bob"]["level"] == "b"


def test_a_restored_entity_takes_the_new_definition(crm: Crm) -> None:
    (deal,) = crm.add("deal", [{"title": "42", "lines": [{"product": "x", "qty": 3}]}])
    crm.publish(edited(lambda d: d["entities"].pop(1)))

    def changed_deal(data: dict[str, Any]) -> None:
        fields = data["entities"][1]["fields"]
        fields[0] = {"key": "title", "type": "number", "precision": 0}
        del fields[1]

    crm.publish(edited(changed_deal))
    restored = crm.record("deal", deal)
    assert restored["title"] == 42 and "contact" not in restored
    assert restored["lines"] == [{"product": "x", "qty": 3}]


def test_one_publish_can_drop_a_unique_and_convert_the_same_field(
    platform: Platform, tenant: str
) -> None:
    unique_text = edited(set_field("note", {"key": "note", "type": "text", "unique": True}))
    app = Crm(platform, tenant, unique_text)
    app.add("contact", [{"name": "Ann", "note": "138 1234 5678"}, {"name": "Bob"}])
    app.publish(edited(set_field("note", {"key": "note", "type": "phone"}), unique_text))
    assert by_name(app.records())["Ann"]["note"] == "13812345678"
    app.add("contact", [{"name": "Cy", "note": "13812345678"}])  # no longer unique
    with platform.store.read(tenant) as conn:
        archived = [name for a in archives_of(conn, "crm") for name in a.names.values()]
    assert archived and set(archived) <= app.columns()
