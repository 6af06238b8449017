"""Rebuilding one column next to the old one, which is archived, not dropped.

Used where the database cannot change a column in place: a type change
whose values change, a SQLite ``UNIQUE`` constraint to remove. The new
column is added under a temporary name and filled, the old column is
renamed to an archive name (and listed in ``archived_columns``), then the
new column takes the field's name. Other columns and rows are untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, cast, column, update
from sqlalchemy.sql.elements import ColumnClause

from builder.archive import record_archive
from builder.ddl import (
    WantedIndex,
    archive_column_name,
    detached_column,
    drop_indexes_on,
    ensure_index,
    is_sqlite,
    light_table,
    rename_column,
    temporary_name,
)
from builder.operations.base import ApplyContext, Scope, field_json
from engine.definition import FieldDef

#: Fills the new column, given its temporary name.
Fill = Callable[[str], None]


def copy_fill(ctx: ApplyContext, table_name: str, source: str, target: Column[Any]) -> Fill:
    """Copy values unchanged (the database casts them to the new type)."""

    def fill(temporary: str) -> None:
        old: ColumnClause[Any] = column(source)
        new = column(temporary, target.type)
        value = old if is_sqlite(ctx.conn) else cast(old, target.type)
        ctx.conn.execute(update(light_table(table_name, old, new)).values({temporary: value}))

    return fill


def rebuild_column(
    ctx: ApplyContext,
    *,
    scope: Scope,
    table_name: str,
    column_name: str,
    target: Column[Any],
    fill: Fill | None,
    archived: FieldDef,
    indexes: Sequence[WantedIndex],
) -> str:
    """Replace ``column_name`` by a column like ``target``; returns the archive name."""
    temporary = temporary_name(column_name)
    ctx.ops.add_column(
        table_name, detached_column(target, temporary), inline_references=is_sqlite(ctx.conn)
    )
    if fill is not None:
        fill(temporary)
    drop_indexes_on(ctx.conn, ctx.ops, table_name, column_name)
    archived_name = archive_column_name(ctx.conn, table_name, ctx.version_id, column_name)
    rename_column(ctx.ops, table_name, column_name, archived_name)
    rename_column(ctx.ops, table_name, temporary, column_name)
    record_archive(
        ctx.conn,
        ctx.archive,
        entity=scope.entity,
        subtable=scope.subtable,
        field=archived.key,
        table_name=table_name,
        names={column_name: archived_name},
        definition=field_json(archived),
        reason="replaced",
    )
    for wanted in indexes:
        if column_name in wanted.columns:
            ensure_index(ctx.conn, ctx.ops, table_name, wanted)
    return archived_name
