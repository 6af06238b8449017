"""Indexes and unique constraints: the field flags ``index``/``unique`` and declared indexes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, column, func, select
from sqlalchemy.sql.elements import ColumnClause

from builder.ddl import (
    drop_index,
    ensure_index,
    find_index,
    light_table,
    wanted_indexes,
)
from builder.operations.base import (
    MAX_NAMED_RECORDS,
    ApplyContext,
    Operation,
    PlanContext,
    PlanRefused,
    Problem,
    RecordProblem,
    Scope,
    Text,
)
from builder.operations.columns import copy_fill, rebuild_column
from builder.operations.fields import stored_columns
from engine.definition import FieldDef
from engine.forms import bind_field


def duplicate_problem(
    conn: Connection, table_name: str, columns: Sequence[str], path: str
) -> Problem | None:
    """Records sharing values of ``columns`` (NULLs never collide), or None."""
    cols: list[ColumnClause[Any]] = [column(name) for name in columns]
    source = light_table(table_name, *cols)
    present = [c.is_not(None) for c in cols]
    groups = (
        select(*cols, func.count().label("n"))
        .select_from(source)
        .where(*present)
        .group_by(*cols)
        .having(func.count() > 1)
    )
    total = int(
        conn.scalar(select(func.coalesce(func.sum(column("n")), 0)).select_from(groups.subquery()))
        or 0
    )
    if not total:
        return None
    named: list[RecordProblem] = []
    for row in conn.execute(groups.limit(MAX_NAMED_RECORDS)):
        values = row[: len(cols)]
        shown = _plain(values[0] if len(values) == 1 else list(values))
        ids = conn.scalars(
            select(column("id", Integer))
            .select_from(source)
            .where(*(c == v for c, v in zip(cols, values, strict=True)))
            .order_by(column("id"))
            .limit(MAX_NAMED_RECORDS - len(named))
        ).all()
        named.extend(RecordProblem(int(i), shown, "is not unique") for i in ids)
        if len(named) >= MAX_NAMED_RECORDS:
            break
    return Problem(
        "not_unique",
        path,
        f"{total} existing record(s) share a value with another, so it cannot be made unique",
        records=tuple(named),
        total=total,
    )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list):
        return value
    return str(value)


def _columns_text(columns: Sequence[str]) -> str:
    return ", ".join(columns)


@dataclass(frozen=True)
class AddIndex(Operation):
    kind = "add_index"
    phase = 9
    blocking_checks = True
    scope: Scope
    table: str
    columns: tuple[str, ...]
    unique: bool
    #: Where the columns' values are before the publish (to find duplicates early).
    before_table: str | None = None
    before_columns: tuple[str, ...] | None = None

    def describe(self) -> Text:
        cols = _columns_text(self.columns)
        if self.unique:
            return {
                "en": f"Require unique values of {cols} in {self.scope.path} (a unique index); "
                "refused, naming the records, if existing records share a value.",
                "zh-CN": f"要求 {self.scope.path} 的 {cols} 取值唯一(唯一索引);"
                "若已有记录重复则不发布并列出这些记录。",
            }
        return {
            "en": f"Add an index on {cols} of {self.scope.path}: faster filters and sorts, "
            "no change to data.",
            "zh-CN": f"为 {self.scope.path} 的 {cols} 建立索引:加快筛选和排序,不改变数据。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "columns": list(self.columns),
            "unique": self.unique,
        }

    @property
    def path(self) -> str:
        return f"{self.scope.path}.{'+'.join(self.columns)}"

    def check(self, ctx: PlanContext) -> list[Problem]:
        if not self.unique or self.before_table is None or self.before_columns is None:
            return []
        problem = duplicate_problem(ctx.conn, self.before_table, self.before_columns, self.path)
        return [problem] if problem else []

    def apply(self, ctx: ApplyContext) -> None:
        if self.unique:
            problem = duplicate_problem(ctx.conn, self.table, self.columns, self.path)
            if problem is not None:
                raise PlanRefused([problem])
        runtime_table = self.scope.table(ctx.new)
        for wanted in wanted_indexes(runtime_table, ctx.conn.dialect):
            if wanted.columns == self.columns and wanted.unique == self.unique:
                ensure_index(ctx.conn, ctx.ops, self.table, wanted)
                return
        raise LookupError(f"{runtime_table.name} declares no index on {self.columns}")


@dataclass(frozen=True)
class DropIndex(Operation):
    kind = "drop_index"
    phase = 2
    scope: Scope
    table: str
    columns: tuple[str, ...]
    unique: bool
    #: The field, for a single-column unique (SQLite rebuilds that column to drop it).
    field: FieldDef | None = None

    def describe(self) -> Text:
        cols = _columns_text(self.columns)
        if self.unique:
            return {
                "en": f"Stop requiring unique values of {cols} in {self.scope.path}; "
                "data is unchanged.",
                "zh-CN": f"取消 {self.scope.path} 的 {cols} 唯一约束;数据不变。",
            }
        return {
            "en": f"Remove the index on {cols} of {self.scope.path}; data is unchanged.",
            "zh-CN": f"删除 {self.scope.path} 的 {cols} 索引;数据不变。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "columns": list(self.columns),
            "unique": self.unique,
        }

    def apply(self, ctx: ApplyContext) -> None:
        index = find_index(ctx.conn, self.table, self.columns, self.unique)
        if index is None:
            return
        if index.kind != "inline":
            drop_index(ctx.ops, self.table, index)
            return
        if self.field is None or len(self.columns) != 1:
            raise ValueError(f"cannot drop {index.name} of {self.table} in place")
        # SQLite: the UNIQUE is part of CREATE TABLE; the column is rebuilt without it.
        entity = self.scope.entity_runtime(ctx.new)
        source = stored_columns(bind_field(self.field), entity)[0]
        rebuild_column(
            ctx,
            scope=self.scope,
            table_name=self.table,
            column_name=self.columns[0],
            target=source,
            fill=copy_fill(ctx, self.table, self.columns[0], source),
            archived=self.field,
            indexes=[],
        )
