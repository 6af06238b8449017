"""A department of the tenant's organisation (the ``departments`` tree)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Integer, Table, select
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.forms.field_types.link import MAX_ID, parse_id
from engine.i18n import Message
from engine.store.tables import departments

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext
    from engine.forms.runtime import EntityRuntime


def department_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise FieldInvalid(Message("value.department_id"))
    return value


class DepartmentType(FieldType, References):
    key = "department"
    label = {"zh-CN": "部门", "en": "Department"}
    numeric = False
    sortable = True
    filter_kind = "reference"
    in_subtable = True
    cell = "reference"
    wire = "the id of a department of the tenant (an integer); `_display` has its name"
    example = Example(3)

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Integer()

    def columns(self, field: BoundField, entity: EntityRuntime) -> list[Column[Any]]:
        metadata = entity.table.metadata
        if "departments" not in metadata.tables:
            # The platform table lives in the tenant's store; the app's metadata
            # only needs its key for the foreign key (never created from here).
            Table("departments", metadata, Column("id", Integer, primary_key=True))
        return [Column(field.key, Integer, ForeignKey("departments.id"), nullable=True, index=True)]

    def coerce(self, value: Any, field: BoundField) -> Any:
        return department_id(value)

    def parse_query(self, text: str, field: BoundField) -> Any:
        return parse_id(text)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "x-department": True}

    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        found = set(
            ctx.conn.scalars(select(departments.c.id).where(departments.c.id.in_(set(values))))
        )
        return [
            v if v in found else FieldInvalid(Message("value.no_department", id=v)) for v in values
        ]

    def display_titles(
        self, field: BoundField, values: Sequence[Any], ctx: ReadContext
    ) -> dict[Any, Any]:
        rows = ctx.conn.execute(
            select(departments.c.id, departments.c.name).where(departments.c.id.in_(set(values)))
        )
        return {row[0]: row[1] for row in rows}
