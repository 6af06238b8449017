"""Adding, renaming, archiving and restoring fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, and_, column, select, update
from sqlalchemy.sql.elements import ColumnClause

from builder.archive import Archive, mark_restored, move_archives, record_archive
from builder.ddl import (
    add_column,
    archive_column_name,
    drop_indexes_on,
    find_index,
    is_sqlite,
    light_table,
    rename_column,
    rename_primary_key,
    sync_index_names,
    wanted_indexes,
)
from builder.operations.base import (
    ApplyContext,
    Operation,
    PlanContext,
    Problem,
    Scope,
    Text,
    display_name,
    field_json,
    type_label,
)
from builder.operations.columns import copy_fill, rebuild_column
from builder.operations.entities import archive_whole_table, create_table, restore_whole_table
from engine.definition import AppDefinition, EntityDef, FieldDef
from engine.forms import (
    BoundField,
    ChildRows,
    Computed,
    EntityRuntime,
    Generated,
    bind_field,
    build_runtime,
)
from engine.forms.authoring import child_table_name


def stored_columns(bound: BoundField, entity: EntityRuntime) -> list[Column[Any]]:
    return bound.type.columns(bound, entity) if bound.type.stored else []


@dataclass(frozen=True)
class AddField(Operation):
    kind = "add_field"
    phase = 8
    scope: Scope
    field: FieldDef

    def describe(self) -> Text:
        name, kind = display_name(self.field), type_label(self.field.type)
        bound = bind_field(self.field)
        where = self.scope.path
        if isinstance(bound.type, ChildRows):
            return {
                "en": f"Add sub-table {name['en']} to {where}: a new, empty child table.",
                "zh-CN": f"为 {where} 新增子表{name['zh-CN']}:新建一张空的子表。",
            }
        if isinstance(bound.type, Computed):
            return {
                "en": f"Add {kind['en']} field {name['en']} to {where}: a new column, "
                "computed for every existing record.",
                "zh-CN": f"为 {where} 新增{kind['zh-CN']}字段{name['zh-CN']}:新增一列,"
                "并为已有记录计算其值。",
            }
        if not bound.type.stored:
            return {
                "en": f"Add {kind['en']} field {name['en']} to {where}: computed when read, "
                "nothing is stored.",
                "zh-CN": f"为 {where} 新增{kind['zh-CN']}字段{name['zh-CN']}:读取时计算,不存储。",
            }
        extra_en = " Existing records get no number." if isinstance(bound.type, Generated) else ""
        extra_zh = "已有记录不生成编号。" if isinstance(bound.type, Generated) else ""
        return {
            "en": f"Add {kind['en']} field {name['en']} to {where}: a new empty column; "
            "existing records are not rewritten and have no value (defaults apply to new "
            f"records).{extra_en}",
            "zh-CN": f"为 {where} 新增{kind['zh-CN']}字段{name['zh-CN']}:新增一个空列,"
            f"不改写已有记录,已有记录该字段为空(默认值只用于新记录)。{extra_zh}",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "field": self.field.key,
            "type": self.field.type,
        }

    def check(self, ctx: PlanContext) -> list[Problem]:
        if not self.field.required or not bind_field(self.field).type.writable:
            return []
        table = self.scope.table(ctx.old) if self._in_old(ctx) else None
        if table is None:
            return []
        if ctx.conn.scalar(select(table.c.id).limit(1)) is None:
            return []  # no records yet: nobody lacks a value
        return [
            Problem(
                "required_field_empty",
                f"{self.scope.path}.{self.field.key}",
                "is required, but existing records have no value for it; "
                "they must be given one the next time they are edited",
                blocking=False,
            )
        ]

    def _in_old(self, ctx: PlanContext) -> bool:
        entity = ctx.old.entities.get(self.scope.entity)
        if entity is None:
            return False
        return self.scope.subtable is None or self.scope.subtable in entity.child_tables

    def apply(self, ctx: ApplyContext) -> None:
        entity = self.scope.entity_runtime(ctx.new)
        bound = self.scope.fields(ctx.new)[self.field.key]
        table_name = self.scope.table(ctx.new).name
        for source in stored_columns(bound, entity):
            add_column(ctx.conn, ctx.ops, table_name, source)
        if isinstance(bound.type, ChildRows):
            create_table(ctx, entity.child_tables[bound.key])


@dataclass(frozen=True)
class RenameField(Operation):
    kind = "rename_field"
    phase = 5
    scope: Scope
    old_key: str
    field: FieldDef
    #: The table the field's column is in before the rename.
    table: str

    def describe(self) -> Text:
        where = self.scope.path
        name = display_name(self.field)
        return {
            "en": f"Rename field {self.old_key} of {where} to {name['en']}: "
            "the column is renamed, every value is kept.",
            "zh-CN": f"将 {where} 的字段 {self.old_key} 改名为{name['zh-CN']}:"
            "列改名,数据全部保留。",
        }

    @property
    def order(self) -> int:
        # Sub-fields are renamed while their child table still has its old name.
        return 0 if self.scope.subtable is not None else 1

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "from": self.old_key,
            "field": self.field.key,
        }

    def apply(self, ctx: ApplyContext) -> None:
        entity = self.scope.entity_runtime(ctx.new)
        bound = self.scope.fields(ctx.new)[self.field.key]
        old_bound = bind_field(self.field.model_copy(update={"key": self.old_key}))
        for old, new in zip(
            stored_columns(old_bound, entity), stored_columns(bound, entity), strict=True
        ):
            rename_column(ctx.ops, self.table, old.name, new.name)
        wanted_here = wanted_indexes(self.scope.table(ctx.new), ctx.conn.dialect)
        if self.table == self.scope.table(ctx.new).name:
            sync_index_names(ctx.conn, ctx.ops, self.table, wanted_here)
        if isinstance(bound.type, ChildRows):
            old_child = child_table_name(ctx.app_key, self.scope.entity, self.old_key)
            child = entity.child_tables[bound.key]
            ctx.ops.rename_table(old_child, child.name)
            rename_primary_key(ctx.conn, ctx.ops, child)
            sync_index_names(ctx.conn, ctx.ops, child.name, wanted_indexes(child, ctx.conn.dialect))
            move_archives(ctx.conn, ctx.app_key, old_child, child.name)


@dataclass(frozen=True)
class ArchiveField(Operation):
    kind = "archive_field"
    phase = 4
    scope: Scope
    field: FieldDef
    #: The table the field's column is in when it is archived.
    table: str

    def describe(self) -> Text:
        where = self.scope.path
        name = display_name(self.field)
        bound = bind_field(self.field)
        if not bound.type.stored and not isinstance(bound.type, ChildRows):
            return {
                "en": f"Remove field {name['en']} from {where}: it was computed when read, "
                "no data is stored.",
                "zh-CN": f"从 {where} 移除字段{name['zh-CN']}:该字段读取时计算,没有存储数据。",
            }
        return {
            "en": f"Remove field {name['en']} from {where}: its data is archived, not deleted; "
            "adding the field again (same key, or restore_from) brings it back.",
            "zh-CN": f"从 {where} 移除字段{name['zh-CN']}:数据归档保留、不删除;"
            "重新添加该字段(相同 key 或 restore_from)即可恢复。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "field": self.field.key,
            "type": self.field.type,
        }

    def apply(self, ctx: ApplyContext) -> None:
        # The entity may be one restored by this publish: only the new runtime has it
        # (columns() needs no more than the app's key from it).
        entity = self.scope.entity_runtime(ctx.new)
        bound = bind_field(self.field)
        names: dict[str, str] = {}
        table_name = self.table
        for source in stored_columns(bound, entity):
            archived = archive_column_name(ctx.conn, self.table, ctx.version_id, source.name)
            drop_indexes_on(ctx.conn, ctx.ops, self.table, source.name)
            rename_column(ctx.ops, self.table, source.name, archived)
            names[source.name] = archived
        if isinstance(bound.type, ChildRows):
            child = child_table_name(ctx.app_key, self.scope.entity, self.field.key)
            table_name = archive_whole_table(ctx, child)
            names[child] = table_name
        if names:
            record_archive(
                ctx.conn,
                ctx.archive,
                entity=self.scope.entity,
                subtable=self.scope.subtable,
                field=self.field.key,
                table_name=table_name,
                names=names,
                definition=field_json(self.field),
                reason="removed",
            )


def archived_field(archive: Archive, key: str) -> FieldDef:
    """The archived definition under the key it comes back as."""
    return FieldDef.model_validate({**archive.definition, "key": key})


@dataclass(frozen=True)
class RestoreField(Operation):
    kind = "restore_field"
    phase = 1
    scope: Scope
    archive: Archive
    field: FieldDef

    def describe(self) -> Text:
        where = self.scope.path
        name = display_name(self.field)
        when = self.archive.archived_at.date().isoformat()
        return {
            "en": f"Restore field {name['en']} of {where} from the archive of "
            f"{self.archive.field} (version {self.archive.version}, {when}): "
            "its archived values come back.",
            "zh-CN": f"恢复 {where} 的字段{name['zh-CN']}:取回归档的 {self.archive.field}"
            f"(版本 {self.archive.version},{when})的数据。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "field": self.field.key,
            "archive": self.archive.id,
        }

    def apply(self, ctx: ApplyContext) -> None:
        entity = self.scope.entity_runtime(ctx.new)
        archived_def = archived_field(self.archive, self.field.key)
        bound = bind_field(archived_def)
        original = bind_field(FieldDef.model_validate(self.archive.definition))
        table_name = self.scope.table(ctx.new).name
        for old, new in zip(
            stored_columns(original, entity), stored_columns(bound, entity), strict=True
        ):
            rename_column(ctx.ops, table_name, self.archive.names[old.name], new.name)
            _restore_foreign_keys(ctx, table_name, new)
            _drop_stale_unique(ctx, self.scope, table_name, new, archived_def, self.field)
        if isinstance(bound.type, ChildRows):
            synthetic = build_runtime(
                AppDefinition(
                    key=ctx.app_key,
                    version="0.0.0",
                    entities=[EntityDef(key=self.scope.entity, fields=[archived_def])],
                )
            )
            child = synthetic.entities[self.scope.entity].child_tables[archived_def.key]
            restore_whole_table(ctx, self.archive.table_name, child)
        mark_restored(ctx.conn, self.archive.id, ctx.archive.now)


def _restore_foreign_keys(ctx: ApplyContext, table_name: str, source: Column[Any]) -> None:
    """PostgreSQL dropped the archived column's foreign key: add it back.

    Links to records deleted while the field was archived are cleared first,
    since they point nowhere.
    """
    if is_sqlite(ctx.conn):
        return
    for fk in source.foreign_keys:
        target_table, target_column = fk.target_fullname.split(".")
        value: ColumnClause[Any] = column(source.name)
        exists = select(light_table(target_table).c.id)
        ctx.conn.execute(
            update(light_table(table_name, value))
            .where(and_(value.is_not(None), value.not_in(exists)))
            .values({source.name: None})
        )
        ctx.ops.create_foreign_key(
            None,
            table_name,
            target_table,
            [source.name],
            [target_column],
            ondelete=fk.ondelete,
        )


def _drop_stale_unique(
    ctx: ApplyContext,
    scope: Scope,
    table_name: str,
    source: Column[Any],
    archived: FieldDef,
    wanted: FieldDef,
) -> None:
    """SQLite keeps an inline UNIQUE with an archived column; drop it if no longer wanted."""
    if not is_sqlite(ctx.conn) or wanted.unique:
        return
    inline = find_index(ctx.conn, table_name, (source.name,), unique=True)
    if inline is None or inline.kind != "inline":
        return
    rebuild_column(
        ctx,
        scope=scope,
        table_name=table_name,
        column_name=source.name,
        target=source,
        fill=copy_fill(ctx, table_name, source.name, source),
        archived=archived,
        indexes=[],
    )
