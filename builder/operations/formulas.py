"""Recomputing stored formulas of existing records after a publish changed them.

Formula values are stored (so they sort and aggregate in SQL); a changed
expression, a new formula or a converted input would leave them stale. The
recompute runs inside the publish, a bounded batch of rows at a time, with
the same code a record write uses (``engine.forms.authoring.compute``).

It is a writer like any other: each live record whose values changed gets a
``RecordUpdated`` (the formulas before and after; for a sub-table's formula,
the parent record's sub-table) through the publish's hooks, so the audit log
and the subscribers (rules) see it. Write guards are not asked: the publish
changes how values are derived, not what anyone entered, so a record locked
under approval is brought up to date too. Records in the recycle bin are
recomputed without an event: no writer reaches them until they are
restored, which is an event of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from builder.operations.base import ApplyContext, Operation, Scope, Text
from engine.forms import (
    VIA_FORMULA_BACKFILL,
    BoundField,
    ChildRows,
    Computed,
    EntityRuntime,
    ReadContext,
    RecordUpdated,
    WriteContext,
    ability,
    emit_many,
)
from engine.forms.authoring import compute

#: Records read, computed and written per round trip.
BATCH = 1000


def _rows(conn: Connection, table: Table, last: int) -> list[Any]:
    query = select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
    return [row._mapping for row in conn.execute(query)]


def _write(conn: Connection, table: Table, keys: list[str], changes: list[dict[str, Any]]) -> None:
    if not changes:
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({key: bindparam(f"_{key}", type_=table.c[key].type) for key in keys})
    )
    conn.execute(statement, changes)


def recompute(
    ctx: ApplyContext,
    scope: Scope,
    fields: dict[str, BoundField],
    child_keys: list[str],
) -> None:
    """Compute every formula of every row of the scope's table again; write what
    changed and emit an update event per live record it changed."""
    table = scope.table(ctx.new)
    computed = [key for key, f in fields.items() if isinstance(f.type, Computed)]
    write = WriteContext(
        ctx.conn,
        ctx.new,
        scope.entity,
        ctx.archive.user_id,
        ctx.archive.now,
        hooks=ctx.hooks,
        via=VIA_FORMULA_BACKFILL,
    )
    total = int(ctx.conn.scalar(select(table.c.id).order_by(table.c.id.desc()).limit(1)) or 0)
    last = 0
    for _ in range(total // BATCH + 2):
        rows = _rows(ctx.conn, table, last)
        if not rows:
            return
        last = rows[-1]["id"]
        children = _child_rows(write, fields, child_keys, [row["id"] for row in rows])
        changes: list[dict[str, Any]] = []
        changed_rows: list[tuple[Mapping[str, Any], dict[str, Any]]] = []
        for row in rows:
            values = {key: row[key] for key in fields if key in row}
            values.update({key: children[key].get(row["id"], []) for key in child_keys})
            before = {key: values.get(key) for key in computed}
            compute(fields, values, write)
            if any(values[key] != before[key] for key in computed):
                changes.append({"_id": row["id"], **{f"_{key}": values[key] for key in computed}})
                changed_rows.append(
                    (row, {k: values[k] for k in computed if values[k] != before[k]})
                )
        if scope.subtable is None:
            _write(ctx.conn, table, computed, changes)
            emit_many(write, _record_events(write, fields, changed_rows))
        else:
            parents = sorted({row["parent_id"] for row, _ in changed_rows})
            sub = ctx.new.entities[scope.entity].fields[scope.subtable]
            was = _live_rows(write, sub, parents)
            _write(ctx.conn, table, computed, changes)
            emit_many(write, _parent_events(write, sub, was, _live_rows(write, sub, parents)))


def _record_events(
    ctx: WriteContext,
    fields: Mapping[str, BoundField],
    changed: Sequence[tuple[Mapping[str, Any], dict[str, Any]]],
) -> list[RecordUpdated]:
    def json(values: Mapping[str, Any]) -> dict[str, Any]:
        return {key: fields[key].type.to_json(value, fields[key]) for key, value in values.items()}

    return [
        RecordUpdated(
            **ctx.event_header(),
            record_id=row["id"],
            before=json({key: row[key] for key in after}),
            after=json(after),
            changed=frozenset(after),
            row={**row, **after},
        )
        for row, after in changed
        if row["deleted_at"] is None
    ]


def _live_rows(
    ctx: WriteContext, sub: BoundField, parents: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """The sub-table's rows of the live records among ``parents``."""
    entity: EntityRuntime = ctx.app.entities[ctx.entity_key]
    if not parents:
        return {}
    live = list(
        ctx.conn.scalars(
            select(entity.table.c.id).where(
                entity.table.c.id.in_(parents), entity.table.c.deleted_at.is_(None)
            )
        )
    )
    return ability(sub, ChildRows).read_rows(sub, live, ctx) if live else {}


def _parent_events(
    ctx: WriteContext,
    sub: BoundField,
    before: Mapping[int, list[dict[str, Any]]],
    after: Mapping[int, list[dict[str, Any]]],
) -> list[RecordUpdated]:
    return [
        RecordUpdated(
            **ctx.event_header(),
            record_id=parent,
            before={sub.key: sub.type.to_json(rows, sub)},
            after={sub.key: sub.type.to_json(after[parent], sub)},
            changed=frozenset({sub.key}),
        )
        for parent, rows in sorted(before.items())
    ]


def _child_rows(
    ctx: ReadContext, fields: dict[str, BoundField], keys: list[str], ids: list[int]
) -> dict[str, dict[int, list[dict[str, Any]]]]:
    return {key: ability(fields[key], ChildRows).read_rows(fields[key], ids, ctx) for key in keys}


@dataclass(frozen=True)
class RecomputeFormulas(Operation):
    kind = "recompute_formulas"
    phase = 10
    scope: Scope
    fields: tuple[str, ...]

    def describe(self) -> Text:
        names = ", ".join(self.fields)
        return {
            "en": f"Recompute the stored formula field(s) {names} of every existing "
            f"{self.scope.path} record, {BATCH:,} records at a time.",
            "zh-CN": f"为 {self.scope.path} 的全部已有记录重新计算公式字段 {names}"
            f"(每批 {BATCH} 条)。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "fields": list(self.fields),
        }

    def apply(self, ctx: ApplyContext) -> None:
        fields = self.scope.fields(ctx.new)
        names: set[str] = set()
        for bound in fields.values():
            if isinstance(bound.type, Computed):
                names |= ability(bound, Computed).depends_on(bound)
        child_keys = [
            key for key, f in fields.items() if isinstance(f.type, ChildRows) and key in names
        ]
        recompute(ctx, self.scope, fields, child_keys)
