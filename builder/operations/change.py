"""Changing how a field stores its values: its type, or options that change its column.

Values are converted where the data allows it and refused, naming the
records, where it does not (``convert.py``). Physically the cheapest safe
route is taken: nothing when the column stays the same, an in-place
``ALTER COLUMN ... TYPE`` on PostgreSQL (or nothing on SQLite, whose column
types are affinities) when no value changes, and otherwise a new column
filled with the converted values while the old one is archived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column

from builder.ddl import (
    column_ddl,
    is_sqlite,
    quote,
    sqlite_affinity,
    wanted_indexes,
    write_values,
)
from builder.operations.base import (
    ApplyContext,
    Operation,
    PlanContext,
    PlanRefused,
    Problem,
    Scope,
    Text,
    display_name,
    type_label,
)
from builder.operations.columns import copy_fill, rebuild_column
from builder.operations.convert import ConversionScan, converted_batches, scan_conversion
from builder.operations.fields import stored_columns
from engine.definition import FieldDef
from engine.forms import (
    BoundField,
    ChildRows,
    Computed,
    EntityRuntime,
    Generated,
    QueryTime,
    References,
    bind_field,
)

#: Abilities whose values are not plain data a conversion could carry over.
SPECIAL = (References, Generated, QueryTime, ChildRows)


def unsupported_change(
    old: BoundField, new: BoundField, old_entity: EntityRuntime, new_entity: EntityRuntime
) -> str | None:
    """Why a field cannot change from ``old`` to ``new`` in place, or None if it can."""
    if old.defn.type == new.defn.type:
        if isinstance(new.type, References):
            old_targets = [c.foreign_keys for c in stored_columns(old, old_entity)]
            new_targets = [c.foreign_keys for c in stored_columns(new, new_entity)]
            old_refs = [sorted(fk.target_fullname for fk in fks) for fks in old_targets]
            new_refs = [sorted(fk.target_fullname for fk in fks) for fks in new_targets]
            if old_refs != new_refs:
                return (
                    "what a reference points at cannot change: add a new field and remove "
                    "this one (its data is archived)"
                )
        return None
    if any(isinstance(f.type, SPECIAL) for f in (old, new)) or not (
        old.type.stored and new.type.stored
    ):
        return (
            f"a {old.defn.type} field cannot become a {new.defn.type} field: add a new field "
            "and remove this one (its data is archived)"
        )
    if len(stored_columns(old, old_entity)) != 1 or len(stored_columns(new, new_entity)) != 1:
        return (
            f"a {old.defn.type} field cannot become a {new.defn.type} field (their values are "
            "stored in several columns): add a new field and remove this one"
        )
    return None


def conversion_problem(path: str, new: FieldDef, scan: ConversionScan) -> Problem:
    kind = type_label(new.type)["en"]
    return Problem(
        "conversion_failed",
        path,
        f"{scan.failed} existing value(s) cannot be converted to the new {kind} field",
        records=tuple(scan.failures),
        total=scan.failed,
    )


@dataclass(frozen=True)
class ChangeType(Operation):
    kind = "change_type"
    phase = 6
    blocking_checks = True
    scope: Scope
    #: The field as its column stores it now (before this step).
    old: FieldDef
    new: FieldDef
    #: Where the values are before the publish starts (for ``check``); None if nowhere yet.
    before_table: str | None
    before_column: str

    @property
    def path(self) -> str:
        return f"{self.scope.path}.{self.new.key}"

    def describe(self) -> Text:
        name = display_name(self.new)
        old_kind, new_kind = type_label(self.old.type), type_label(self.new.type)
        where = self.scope.path
        if isinstance(bind_field(self.new).type, Computed):
            return {
                "en": f"Change formula field {name['en']} of {where} to store a "
                f"{self.new.options.get('result_type', 'number')} result: its values are "
                "recomputed for every record.",
                "zh-CN": f"修改 {where} 的公式字段{name['zh-CN']}的结果类型:为所有记录重新计算。",
            }
        if self.old.type == self.new.type:
            en = f"Change how field {name['en']} of {where} is stored ({old_kind['en']} options)"
            zh = f"修改 {where} 的字段{name['zh-CN']}的存储方式({old_kind['zh-CN']}选项)"
        else:
            en = f"Change field {name['en']} of {where} from {old_kind['en']} to {new_kind['en']}"
            zh = f"将 {where} 的字段{name['zh-CN']}从{old_kind['zh-CN']}改为{new_kind['zh-CN']}"
        return {
            "en": f"{en}: every value is converted by the new type; if any value cannot be, "
            "nothing is published and those records are named. Values whose stored form "
            "changes keep their previous form in an archived column.",
            "zh-CN": f"{zh}:按新类型逐个转换已有数据;只要有一个值无法转换就不发布,并列出这些记录。"
            "存储形式改变时,原值保存在归档列中。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "field": self.new.key,
            "from_type": self.old.type,
            "to_type": self.new.type,
        }

    def check(self, ctx: PlanContext) -> list[Problem]:
        new = bind_field(self.new)
        if isinstance(new.type, Computed) or self.before_table is None:
            return []
        scan = scan_conversion(
            ctx.conn,
            self.before_table,
            self.before_column,
            bind_field(self.old),
            new,
            self.scope.subtable is not None,
        )
        return [conversion_problem(self.path, self.new, scan)] if scan.failed else []

    def apply(self, ctx: ApplyContext) -> None:
        old, new = bind_field(self.old), bind_field(self.new)
        entity = self.scope.entity_runtime(ctx.new)
        runtime_table = self.scope.table(ctx.new)
        table_name, column_name = runtime_table.name, self.new.key
        old_column = stored_columns(old, entity)[0]
        new_column: Column[Any] = runtime_table.c[column_name]
        old_ddl = column_ddl(old_column, ctx.conn.dialect)
        new_ddl = column_ddl(new_column, ctx.conn.dialect)
        indexes = wanted_indexes(runtime_table, ctx.conn.dialect)
        if isinstance(new.type, Computed):
            # The recompute step fills the values; only the column may need to change.
            if old_ddl != new_ddl and not self._same_storage(ctx, old_ddl, new_ddl):
                rebuild_column(
                    ctx,
                    scope=self.scope,
                    table_name=table_name,
                    column_name=column_name,
                    target=new_column,
                    fill=None,
                    archived=self.old,
                    indexes=indexes,
                )
            return
        in_child = self.scope.subtable is not None
        scan = scan_conversion(ctx.conn, table_name, column_name, old, new, in_child)
        if scan.failed:
            raise PlanRefused([conversion_problem(self.path, self.new, scan)])
        if old_ddl == new_ddl:
            if scan.changed:
                self._write_converted(ctx, table_name, column_name, old, new, column_name)
            return
        if not scan.changed and self._same_storage(ctx, old_ddl, new_ddl):
            if not is_sqlite(ctx.conn):
                type_sql = new_column.type.compile(dialect=ctx.conn.dialect)
                ctx.ops.alter_column(
                    table_name,
                    column_name,
                    type_=new_column.type,
                    existing_type=old_column.type,
                    postgresql_using=f"{quote(ctx.conn, column_name)}::{type_sql}",
                )
            return

        def fill(temporary: str) -> None:
            if scan.changed:
                self._write_converted(ctx, table_name, column_name, old, new, temporary)
            else:
                copy_fill(ctx, table_name, column_name, new_column)(temporary)

        rebuild_column(
            ctx,
            scope=self.scope,
            table_name=table_name,
            column_name=column_name,
            target=new_column,
            fill=fill,
            archived=self.old,
            indexes=indexes,
        )

    @staticmethod
    def _same_storage(
        ctx: ApplyContext,
        old_ddl: tuple[str, tuple[tuple[str, str], ...]],
        new_ddl: tuple[str, tuple[tuple[str, str], ...]],
    ) -> bool:
        """Whether the column can simply be declared with the new type."""
        if old_ddl[1] != new_ddl[1]:
            return False  # foreign keys differ: only a new column can carry the new one
        if is_sqlite(ctx.conn):
            return sqlite_affinity(old_ddl[0]) == sqlite_affinity(new_ddl[0])
        return True

    def _write_converted(
        self,
        ctx: ApplyContext,
        table_name: str,
        source: str,
        old: BoundField,
        new: BoundField,
        target: str,
    ) -> None:
        result = ConversionScan()
        in_child = self.scope.subtable is not None
        column_type = new.type.column_type(new)
        for batch in converted_batches(ctx.conn, table_name, source, old, new, in_child, result):
            values = [(i, v) for i, old_value, v in batch if target != source or v != old_value]
            write_values(ctx.conn, table_name, target, column_type, values)
        if result.failed:
            raise PlanRefused([conversion_problem(self.path, self.new, result)])
