"""Adding, archiving and restoring whole entities (a table and its child tables)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Table, inspect
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

from builder.archive import Archive, mark_restored, move_archives, record_archive
from builder.ddl import archive_name, archive_table, is_sqlite, restore_table
from builder.operations.base import ApplyContext, Operation, Text, display_name
from engine.definition import AppDefinition, EntityDef
from engine.forms import AppRuntime, build_runtime


def create_table(ctx: ApplyContext, table: Table) -> None:
    """Create a table and its indexes; on PostgreSQL a foreign key to a table not
    created yet (two new entities linking each other) is added at the end."""
    if is_sqlite(ctx.conn):
        table.create(ctx.conn)
        return
    now, later = [], []
    for constraint in table.foreign_key_constraints:
        target = constraint.referred_table
        if target is table or inspect(ctx.conn).has_table(target.name):
            now.append(constraint)
        else:
            later.append(constraint)
    ctx.conn.execute(CreateTable(table, include_foreign_key_constraints=now))
    for index in table.indexes:
        ctx.conn.execute(CreateIndex(index))
    for constraint in later:
        ctx.deferred.append(_adder(ctx, constraint))


def _adder(ctx: ApplyContext, constraint: ForeignKeyConstraint) -> Callable[[], None]:
    def add() -> None:
        ctx.conn.execute(AddConstraint(constraint))

    return add


@dataclass(frozen=True)
class AddEntity(Operation):
    kind = "add_entity"
    phase = 7
    entity: EntityDef

    def describe(self) -> Text:
        name = display_name(self.entity)
        count = len(self.entity.fields)
        return {
            "en": f"Add entity {name['en']} with {count} field(s): a new, empty table.",
            "zh-CN": f"新增实体{name['zh-CN']}({count} 个字段):新建一张空表。",
        }

    def details(self) -> dict[str, Any]:
        return {"entity": self.entity.key}

    def apply(self, ctx: ApplyContext) -> None:
        entity = ctx.new.entities[self.entity.key]
        for table in (entity.table, *entity.child_tables.values()):
            create_table(ctx, table)


def archive_whole_table(ctx: ApplyContext, name: str) -> str:
    """Move a table (and the archives of its columns) under its archive name; that name."""
    archived = archive_name(ctx.version_id, name)
    archive_table(ctx.conn, ctx.ops, name, archived, ctx.version_id)
    move_archives(ctx.conn, ctx.app_key, name, archived)
    return archived


def restore_whole_table(ctx: ApplyContext, archived: str, table: Table) -> None:
    """Bring an archived table back as ``table`` (the archives of its columns too)."""
    restore_table(ctx.conn, ctx.ops, archived, table)
    move_archives(ctx.conn, ctx.app_key, archived, table.name)


def entity_tables(runtime: AppRuntime, key: str) -> list[Table]:
    entity = runtime.entities[key]
    return [entity.table, *entity.child_tables.values()]


@dataclass(frozen=True)
class ArchiveEntity(Operation):
    kind = "archive_entity"
    phase = 3
    entity: EntityDef

    def describe(self) -> Text:
        name = display_name(self.entity)
        return {
            "en": f"Remove entity {name['en']}: its table and records are archived, not "
            "deleted; adding an entity with the same key again brings them back.",
            "zh-CN": f"移除实体{name['zh-CN']}:数据表及记录归档保留、不删除;"
            "重新添加相同 key 的实体即可恢复。",
        }

    def details(self) -> dict[str, Any]:
        return {"entity": self.entity.key}

    def apply(self, ctx: ApplyContext) -> None:
        names: dict[str, str] = {}
        for table in entity_tables(ctx.old, self.entity.key):
            names[table.name] = archive_whole_table(ctx, table.name)
        main = ctx.old.entities[self.entity.key].table.name
        record_archive(
            ctx.conn,
            ctx.archive,
            entity=self.entity.key,
            subtable=None,
            field=None,
            table_name=names[main],
            names=names,
            definition=self.entity.model_dump(mode="json", exclude_none=True),
            reason="removed",
        )


def archived_entity_runtime(app_key: str, archive: Archive) -> AppRuntime:
    """The tables an archived entity had, as a runtime of its own (touches no database)."""
    entity = EntityDef.model_validate(archive.definition)
    return build_runtime(AppDefinition(key=app_key, version="0.0.0", entities=[entity]))


@dataclass(frozen=True)
class RestoreEntity(Operation):
    kind = "restore_entity"
    phase = 0
    archive: Archive
    entity: EntityDef

    def describe(self) -> Text:
        name = display_name(self.entity)
        when = self.archive.archived_at.date().isoformat()
        return {
            "en": f"Restore entity {name['en']} from its archive (version "
            f"{self.archive.version}, {when}): its table and records come back; the field "
            "changes below apply to them.",
            "zh-CN": f"恢复实体{name['zh-CN']}(归档于版本 {self.archive.version},{when}):"
            "数据表及记录全部取回,再按下列字段变更调整。",
        }

    def details(self) -> dict[str, Any]:
        return {"entity": self.entity.key, "archive": self.archive.id}

    def apply(self, ctx: ApplyContext) -> None:
        runtime = archived_entity_runtime(ctx.app_key, self.archive)
        for table in entity_tables(runtime, self.entity.key):
            archived = self.archive.names.get(table.name)
            if archived is None:
                continue
            restore_whole_table(ctx, archived, table)
        mark_restored(ctx.conn, self.archive.id, ctx.archive.now)
