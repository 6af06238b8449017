"""A reference to one record of another (or the same) entity: many-to-one.
Its options ``fill`` and ``filter_by`` are the form's linkage (数据联动):
choosing a record fills fields of the form (or sub-table row) from it —
``{"fill": {"unit_price": "list_price"}}`` — and only records whose field
equals a field of the form may be chosen — ``{"filter_by": {"customer":
"customer"}}``, the contacts of the chosen customer. The web form applies
both as they are picked and the server on every write (a write that sets the
link without the filled fields gets them; a link outside its filter is an
error of the link field); see ``engine/forms/linkage.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field
from sqlalchemy import Column, ForeignKey, Integer, select
from sqlalchemy.types import TypeEngine

from engine.definition import Key
from engine.forms.errors import FieldInvalid, noun_of
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.forms.naming import entity_table_name
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext
    from engine.forms.runtime import EntityRuntime

ON_DELETE_SQL = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}


class LinkOptions(Options):
    target: Key
    on_delete: Literal["restrict", "set_null", "cascade"] = "restrict"
    fill: dict[Key, Key] = Field(
        default_factory=dict,
        description=(
            "Linkage: fields of this form (or sub-table row) filled from the chosen "
            "record, as {field here: field of the linked record}."
        ),
    )
    filter_by: dict[Key, Key] = Field(
        default_factory=dict,
        description=(
            "Linkage: only records whose field equals a field of this form may be "
            "chosen, as {field of the linked record: field here}; a blank field here "
            "filters nothing."
        ),
    )


#: Ids are INTEGER columns (32-bit on PostgreSQL): a larger one made the driver raise.
MAX_ID = 2**31 - 1


def record_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise FieldInvalid(Message("value.record_id"))
    return value


def parse_id(text: str) -> int:
    # isascii and the length: int() refuses "²" and strings over 4,300 digits.
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        raise FieldInvalid(Message("value.record_id"))
    return record_id(int(text))


class LinkType(FieldType, References):
    key = "link"
    label = {"zh-CN": "关联记录", "en": "Link to record"}
    numeric = False
    sortable = True
    filter_kind = "reference"
    in_subtable = True
    cell = "reference"
    wire = "the id of a record of `target` (an integer); `_display` has its title"
    example = Example(42, {"target": "customer"})
    Options = LinkOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Integer()

    def columns(self, field: BoundField, entity: EntityRuntime) -> list[Column[Any]]:
        target = entity_table_name(entity.app_key, field.options.target)
        return [
            Column(
                field.key,
                Integer,
                ForeignKey(f"{target}.id", ondelete=ON_DELETE_SQL[field.options.on_delete]),
                nullable=True,
                index=True,
            )
        ]

    def coerce(self, value: Any, field: BoundField) -> Any:
        return record_id(value)

    def parse_query(self, text: str, field: BoundField) -> Any:
        return parse_id(text)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "x-link": field.options.target}

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        target = ctx.app.entity(field.options.target)
        if target is None:
            yield ".target", f"unknown entity {field.options.target!r}"
        if field.options.on_delete == "set_null" and field.required:
            yield ".on_delete", "a required link cannot be set to null when its target is deleted"
        if target is not None and (field.options.fill or field.options.filter_by):
            # Imported here: linkage binds fields through the runtime, which imports this module.
            from engine.forms.linkage import check_linkage

            yield from check_linkage(field, ctx.entity, target)

    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        target = ctx.app.entities[field.options.target]
        table = target.table
        rows = ctx.conn.execute(
            select(table.c.id, table.c.deleted_at).where(table.c.id.in_(set(values)))
        )
        deleted = {row.id: row.deleted_at is not None for row in rows}
        noun = noun_of(target)
        return [
            FieldInvalid(Message("value.no_record", entity=noun, id=v))
            if v not in deleted
            else FieldInvalid(Message("value.binned_record", entity=noun, id=v))
            if deleted[v]
            else v
            for v in values
        ]

    def display_titles(
        self, field: BoundField, values: Sequence[Any], ctx: ReadContext
    ) -> dict[Any, Any]:
        target = ctx.app.entities[field.options.target]
        title = target.title_field
        if title is None:
            return {v: f"#{v}" for v in values}
        rows = ctx.conn.execute(
            select(target.table.c.id, target.table.c[title]).where(
                target.table.c.id.in_(set(values))
            )
        )
        return {row[0]: row[1] for row in rows}
