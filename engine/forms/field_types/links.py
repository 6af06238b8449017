"""References to several records of another entity: many-to-many.

The links live in a junction table ``a_<app>__<entity>__<field>`` with
(``parent_id``, ``target_id``, ``position``), one row per link, so reports
join them in SQL and deleting either side removes the link (foreign keys
with ``ON DELETE CASCADE``). A write replaces the record's links as a whole;
their order is kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field
from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    delete,
    insert,
    select,
)

from engine.definition import Key
from engine.forms.errors import FieldInvalid, noun_of
from engine.forms.field_types.abilities import ChildRows, References
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.forms.field_types.link import record_id
from engine.forms.naming import child_table_name, entity_table_name, physical_name
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext
    from engine.forms.runtime import EntityRuntime


class LinksOptions(Options):
    target: Key = Field(description="The entity whose records are linked.")
    max_links: int = Field(default=100, ge=1, le=1000, description="Most records in one value.")


def check_ids(value: Any, limit: int) -> list[int]:
    if not isinstance(value, list):
        raise FieldInvalid(Message("value.record_ids"))
    ids = [record_id(item) for item in value]
    if len(set(ids)) != len(ids):
        raise FieldInvalid(Message("value.record_repeated"))
    if len(ids) > limit:
        raise FieldInvalid(Message("value.max_records", max=limit))
    return ids


def record_titles(ctx: ReadContext, target_key: str, ids: Sequence[int]) -> dict[Any, Any]:
    """The title of each record of ``target_key`` (``#id`` without a title field)."""
    target = ctx.app.entities[target_key]
    if target.title_field is None:
        return {i: f"#{i}" for i in ids}
    table = target.table
    rows = ctx.conn.execute(
        select(table.c.id, table.c[target.title_field]).where(table.c.id.in_(set(ids)))
    )
    return {row[0]: row[1] for row in rows}


class LinksType(FieldType, References, ChildRows):
    key = "links"
    label = {"zh-CN": "关联多条记录", "en": "Links to records"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = False
    cell = "references"
    wire = (
        "a list of ids of records of `target`, in order; `_display` has their titles "
        "(single-record reads only)"
    )
    example = Example([42, 43], {"target": "product"})
    Options = LinksOptions
    stored = False

    # -- storage ---------------------------------------------------------------
    def child_table(self, field: BoundField, entity: EntityRuntime, metadata: MetaData) -> Table:
        name = child_table_name(entity.app_key, entity.key, field.key)
        target = entity_table_name(entity.app_key, field.options.target)
        return Table(
            name,
            metadata,
            Column(
                "parent_id",
                Integer,
                ForeignKey(f"{entity.table.name}.id", ondelete="CASCADE"),
                nullable=False,
            ),
            Column(
                "target_id",
                Integer,
                ForeignKey(f"{target}.id", ondelete="CASCADE"),
                nullable=False,
            ),
            Column("position", Integer, nullable=False),
            PrimaryKeyConstraint("parent_id", "target_id", name=physical_name("pk", name)),
            # "Which records link to this one": the reverse direction is indexed too.
            Index(physical_name("ix", name, "target"), "target_id"),
        )

    # -- values ----------------------------------------------------------------
    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_ids(value, field.options.max_links)

    def coerce_rows(self, field: BoundField, value: Any, ctx: WriteContext) -> list[dict[str, Any]]:
        return [{"target_id": i} for i in self.coerce(value, field)]

    def to_json(self, value: Any, field: BoundField) -> Any:
        return [row["target_id"] for row in value or []]

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid(Message("value.no_equality"))

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "uniqueItems": True,
            "maxItems": field.options.max_links,
            "x-link": field.options.target,
        }

    # -- references ------------------------------------------------------------
    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        target = ctx.app.entities[field.options.target]
        table = target.table
        wanted = {row["target_id"] for rows in values for row in rows}
        found = ctx.conn.execute(
            select(table.c.id, table.c.deleted_at).where(table.c.id.in_(wanted))
        )
        deleted = {row.id: row.deleted_at is not None for row in found}
        resolved: list[Any] = []
        for rows in values:
            error = None
            for row in rows:
                i = row["target_id"]
                if i not in deleted:
                    error = FieldInvalid(Message("value.no_record", entity=noun_of(target), id=i))
                elif deleted[i]:
                    error = FieldInvalid(
                        Message("value.binned_record", entity=noun_of(target), id=i)
                    )
                if error is not None:
                    break
            resolved.append(rows if error is None else error)
        return resolved

    def display_titles(
        self, field: BoundField, values: Sequence[Any], ctx: ReadContext
    ) -> dict[Any, Any]:
        return record_titles(ctx, field.options.target, values)

    # -- child rows ------------------------------------------------------------
    def write_rows(
        self, field: BoundField, record_id: int, rows: list[dict[str, Any]], ctx: WriteContext
    ) -> None:
        table = ctx.app.entities[ctx.entity_key].child_tables[field.key]
        ctx.conn.execute(delete(table).where(table.c.parent_id == record_id))
        if rows:
            ctx.conn.execute(
                insert(table),
                [
                    {"parent_id": record_id, "target_id": row["target_id"], "position": i}
                    for i, row in enumerate(rows)
                ],
            )

    def read_rows(
        self, field: BoundField, record_ids: Sequence[int], ctx: ReadContext
    ) -> dict[int, list[dict[str, Any]]]:
        table = ctx.app.entities[ctx.entity_key].child_tables[field.key]
        result: dict[int, list[dict[str, Any]]] = {i: [] for i in record_ids}
        query = (
            select(table.c.parent_id, table.c.target_id)
            .where(table.c.parent_id.in_(record_ids))
            .order_by(table.c.parent_id, table.c.position)
        )
        for parent_id, target_id in ctx.conn.execute(query):
            result[parent_id].append({"target_id": target_id})
        return result

    # -- definition checks -----------------------------------------------------
    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        if ctx.app.entity(field.options.target) is None:
            yield ".target", f"unknown entity {field.options.target!r}"
        if field.defn.default is not None:
            yield ".default", "a links field takes no default"
        for flag in ("unique", "index"):
            if getattr(field.defn, flag):
                yield f".{flag}", "a links field has no column to make unique or to index"
