"""Serial numbers such as ``CUS-202611-0042``, gap-free under concurrency.

The pattern's date parts define the period: ``{YYYY}{MM}`` restarts the
sequence every month. The counter row is incremented with one upsert inside
the record's own transaction, which locks it until commit (PostgreSQL row
lock, SQLite write lock): a rolled-back create gives its number back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator
from sqlalchemy import Integer, String, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from engine.forms.field_types.abilities import Generated
from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.store.tables import sequences

if TYPE_CHECKING:
    from engine.forms.context import WriteContext

PLACEHOLDER = re.compile(r"\{(YYYY|YY|MM|DD|seq(?::(\d))?)\}")


class AutonumberOptions(Options):
    pattern: str = Field(default="{seq:6}", max_length=60)

    @field_validator("pattern")
    @classmethod
    def one_sequence(cls, pattern: str) -> str:
        seqs = [m for m in PLACEHOLDER.finditer(pattern) if m.group(1).startswith("seq")]
        if len(seqs) != 1:
            raise ValueError("the pattern needs exactly one {seq} or {seq:N} placeholder")
        leftover = PLACEHOLDER.sub("", pattern)
        if "{" in leftover or "}" in leftover:
            raise ValueError("unknown placeholder; use {YYYY}, {YY}, {MM}, {DD} and {seq:N}")
        return pattern


class AutonumberType(FieldType, Generated):
    key = "autonumber"
    label = {"zh-CN": "自动编号", "en": "Serial number"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = False
    cell = "text"
    wire = "read-only: a string generated when the record is created"
    example = Example("CUS-202611-0042", {"pattern": "CUS-{YYYY}{MM}-{seq:4}"})
    Options = AutonumberOptions
    writable = False
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(64)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "readOnly": True}

    def generate(
        self, field: BoundField, rows: Sequence[Mapping[str, Any]], ctx: WriteContext
    ) -> list[Any]:
        local = ctx.now.astimezone(ctx.zone())
        parts = {
            "YYYY": f"{local.year:04d}",
            "YY": f"{local.year % 100:02d}",
            "MM": f"{local.month:02d}",
            "DD": f"{local.day:02d}",
        }
        pattern = field.options.pattern
        period = PLACEHOLDER.sub(lambda m: parts.get(m.group(1), "#"), pattern)
        last = self._reserve(ctx, field.key, period, len(rows))
        # Every row of a batch shares ctx.now, so one period and one block of numbers.
        match = next(m for m in PLACEHOLDER.finditer(pattern) if m.group(1).startswith("seq"))
        prefix = PLACEHOLDER.sub(lambda m: parts[m.group(1)], pattern[: match.start()])
        suffix = PLACEHOLDER.sub(lambda m: parts[m.group(1)], pattern[match.end() :])
        width = int(match.group(2) or 1)
        first = last - len(rows) + 1
        return [f"{prefix}{str(n).zfill(width)}{suffix}" for n in range(first, last + 1)]

    def _reserve(self, ctx: WriteContext, field_key: str, period: str, count: int) -> int:
        """Advance the period's counter by ``count``; returns the last number reserved."""
        params = {
            "app_key": ctx.app.key,
            "entity": ctx.entity_key,
            "field": field_key,
            "period": period,
            "count": count,
        }
        return int(ctx.conn.execute(_RESERVE[ctx.conn.dialect.name], params).scalar_one())


def _reserve_statement(insert: Any) -> Any:
    # Built once per dialect: every create runs it.
    count = bindparam("count", type_=Integer)
    return (
        insert(sequences)
        .values(
            app_key=bindparam("app_key"),
            entity=bindparam("entity"),
            field=bindparam("field"),
            period=bindparam("period"),
            value=count,
        )
        .on_conflict_do_update(
            index_elements=["app_key", "entity", "field", "period"],
            set_={"value": sequences.c.value + count},
        )
        .returning(sequences.c.value)
    )


_RESERVE = {
    "postgresql": _reserve_statement(postgresql.insert),
    "sqlite": _reserve_statement(sqlite.insert),
}
