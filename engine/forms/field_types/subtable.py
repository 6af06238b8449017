"""Line items: child rows with their own typed fields, in a child table.

Rows are stored relationally (one row per line, typed columns), not as a JSON
blob, so reports can sum line amounts in SQL. A write replaces the record's
rows as a whole; the order of the rows is kept in ``position``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table, delete, insert, select

from engine.definition import EntityDef, FieldDef
from engine.forms.errors import FieldError, FieldInvalid, RecordInvalid, label_of, row_label
from engine.forms.field_types.abilities import ChildRows
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.forms.naming import child_table_name, physical_name
from engine.i18n import Message
from engine.i18n.validation import validation_message

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext
    from engine.forms.runtime import EntityRuntime


class SubtableOptions(Options):
    fields: list[FieldDef] = Field(min_length=1)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int = Field(default=500, ge=1, le=5000)

    @field_validator("fields")
    @classmethod
    def unique_keys(cls, fields: list[FieldDef]) -> list[FieldDef]:
        keys = [f.key for f in fields]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ValueError(f"duplicate sub-field keys: {', '.join(sorted(duplicates))}")
        return fields


_SUB_FIELDS: WeakKeyDictionary[BoundField, dict[str, BoundField]] = WeakKeyDictionary()


def sub_fields(field: BoundField) -> dict[str, BoundField]:
    # Imported here: the runtime module imports the registry that imports this one.
    from engine.forms.runtime import bind_field

    cached = _SUB_FIELDS.get(field)
    if cached is None:
        cached = _SUB_FIELDS[field] = {f.key: bind_field(f) for f in field.options.fields}
    return cached


class SubtableType(FieldType, ChildRows):
    key = "subtable"
    label = {"zh-CN": "子表", "en": "Sub-table"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = False
    cell = None
    wire = "a list of row objects keyed by sub-field; a write replaces all rows"
    example = Example(
        [{"product": "Widget", "qty": 2}],
        {
            "fields": [
                {"key": "product", "type": "text"},
                {"key": "qty", "type": "number", "precision": 0},
            ]
        },
    )
    Options = SubtableOptions
    stored = False

    def child_table(self, field: BoundField, entity: EntityRuntime, metadata: MetaData) -> Table:
        name = child_table_name(entity.app_key, entity.key, field.key)
        table = Table(
            name,
            metadata,
            Column("id", Integer, primary_key=True),
            Column(
                "parent_id",
                Integer,
                ForeignKey(f"{entity.table.name}.id", ondelete="CASCADE"),
                nullable=False,
            ),
            Column("position", Integer, nullable=False),
            # As the entity's own table: a row id is never given out twice on SQLite.
            sqlite_autoincrement=True,
        )
        for sub in sub_fields(field).values():
            for col in sub.type.columns(sub, entity):
                table.append_column(col)
        table.append_constraint(Index(physical_name("ix", name, "parent"), "parent_id", "position"))
        return table

    def coerce_rows(self, field: BoundField, value: Any, ctx: WriteContext) -> list[dict[str, Any]]:
        # Imported here for the same reason as in sub_fields.
        from engine.forms.validation import resolve_references, validate_values

        options: SubtableOptions = field.options
        label = label_of(field)
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise RecordInvalid([FieldError(field.key, Message("value.rows"), label)])
        if len(value) > options.max_rows:
            raise RecordInvalid(
                [
                    FieldError(
                        field.key, Message("value.max_rows", max=options.max_rows), label_of(field)
                    )
                ]
            )
        if len(value) < options.min_rows:
            raise RecordInvalid(
                [
                    FieldError(
                        field.key, Message("value.min_rows", min=options.min_rows), label_of(field)
                    )
                ]
            )
        fields = sub_fields(field)
        rows: list[dict[str, Any]] = []
        errors: list[FieldError] = []
        for i, row in enumerate(value):
            values, row_errors = validate_values(fields, row, ctx, prefix=f"{field.key}[{i}].")
            rows.append(values)
            errors.extend(row_errors)
        if not errors:
            prefixes = [f"{field.key}[{i}]." for i in range(len(rows))]
            errors = resolve_references(list(fields.values()), rows, ctx, prefixes)
        if errors:
            raise RecordInvalid([_in_row(field, e) for e in errors])
        return rows

    def write_rows(
        self, field: BoundField, record_id: int, rows: list[dict[str, Any]], ctx: WriteContext
    ) -> None:
        table = ctx.app.entities[ctx.entity_key].child_tables[field.key]
        ctx.conn.execute(delete(table).where(table.c.parent_id == record_id))
        if rows:
            ctx.conn.execute(
                insert(table),
                [{**row, "parent_id": record_id, "position": i} for i, row in enumerate(rows)],
            )

    def read_rows(
        self, field: BoundField, record_ids: Sequence[int], ctx: ReadContext
    ) -> dict[int, list[dict[str, Any]]]:
        table = ctx.app.entities[ctx.entity_key].child_tables[field.key]
        fields = sub_fields(field)
        result: dict[int, list[dict[str, Any]]] = {i: [] for i in record_ids}
        query = (
            select(table)
            .where(table.c.parent_id.in_(record_ids))
            .order_by(table.c.parent_id, table.c.position)
        )
        for row in ctx.conn.execute(query).mappings():
            result[row["parent_id"]].append({key: row[key] for key in fields})
        return result

    def to_json(self, value: Any, field: BoundField) -> Any:
        fields = sub_fields(field)
        return [
            {key: sub.type.to_json(row.get(key), sub) for key, sub in fields.items()}
            for row in value or []
        ]

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        fields = sub_fields(field)
        return {
            "type": "array",
            "maxItems": field.options.max_rows,
            "items": {
                "type": "object",
                "properties": {k: f.type.json_schema(f) for k, f in fields.items()},
                "additionalProperties": False,
            },
        }

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid(Message("value.no_equality"))

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        # Sub-fields are checked like an entity of their own, with the parent's
        # fields invisible to them (a line formula reads only its own line).
        from engine.forms.registry import field_types
        from engine.forms.runtime import bind_field
        from engine.registry import UnknownKeyError

        inner = DefinitionContext(ctx.app, EntityDef(key=field.key, fields=field.options.fields))
        for i, defn in enumerate(field.options.fields):
            if defn.type in field_types and not field_types.get(defn.type).in_subtable:
                yield f".fields[{i}].type", f"a {defn.type} field cannot be inside a sub-table"
                continue
            try:
                sub = bind_field(defn)
            except UnknownKeyError as err:
                known = ", ".join(err.known)
                yield (
                    f".fields[{i}].type",
                    Message("publish.unknown_type", key=repr(err.key), known=known),
                )
                continue
            except ValidationError as err:
                for e in err.errors():
                    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
                    yield f".fields[{i}]{where}", validation_message(e)
                continue
            for suffix, message in sub.type.check_definition(sub, inner):
                yield f".fields[{i}]{suffix}", message


_ROW = re.compile(r"\[(\d+)\]\.")


def _in_row(table: BoundField, error: FieldError) -> FieldError:
    """``error`` of a cell ``table[i].key``, labelled "明细第i+1行·产品"."""
    match = _ROW.match(error.field, len(table.key))
    if match is None:
        return error
    # A cell without a label (a key the sub-table does not have) is named by its key.
    key = error.field[match.end() :]
    cell = error.label or ({"en": key, "zh-CN": key} if key else None)
    return FieldError(error.field, error.message, row_label(table, int(match.group(1)), cell))
