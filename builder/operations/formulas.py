"""Recomputing stored formulas of existing records after a publish changed them.

Formula values are stored (so they sort and aggregate in SQL); a changed
expression, a new formula or a converted input would leave them stale. The
recompute runs inside the publish, a bounded batch of rows at a time, with
the same code a record write uses (``engine.forms.validation.compute``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from builder.operations.base import ApplyContext, Operation, Scope, Text
from engine.forms.context import ReadContext, WriteContext
from engine.forms.field_types.abilities import ChildRows, Computed, ability
from engine.forms.field_types.base import BoundField
from engine.forms.validation import compute

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
    entity_key: str,
    table: Table,
    fields: dict[str, BoundField],
    child_keys: list[str],
) -> None:
    """Compute every formula of every row of ``table`` again; write what changed."""
    computed = [key for key, f in fields.items() if isinstance(f.type, Computed)]
    write = WriteContext(ctx.conn, ctx.new, entity_key, ctx.archive.user_id, ctx.archive.now)
    total = int(ctx.conn.scalar(select(table.c.id).order_by(table.c.id.desc()).limit(1)) or 0)
    last = 0
    for _ in range(total // BATCH + 2):
        rows = _rows(ctx.conn, table, last)
        if not rows:
            return
        last = rows[-1]["id"]
        children = _child_rows(write, fields, child_keys, [row["id"] for row in rows])
        changes: list[dict[str, Any]] = []
        for row in rows:
            values = {key: row[key] for key in fields if key in row}
            values.update({key: children[key].get(row["id"], []) for key in child_keys})
            before = {key: values.get(key) for key in computed}
            compute(fields, values, write)
            if any(values[key] != before[key] for key in computed):
                changes.append({"_id": row["id"], **{f"_{key}": values[key] for key in computed}})
        _write(ctx.conn, table, computed, changes)


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
        recompute(ctx, self.scope.entity, self.scope.table(ctx.new), fields, child_keys)
