"""A reference to a person of the tenant (owner, assignee)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, Integer, bindparam, select
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.forms.field_types.link import MAX_ID, parse_id
from engine.i18n import Message
from engine.store.tables import users

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext
    from engine.forms.runtime import EntityRuntime


# Built once: a create looks users up on every request.
USER_NAMES = select(users.c.id, users.c.display_name).where(
    users.c.id.in_(bindparam("ids", expanding=True))
)
ACTIVE_USER_NAMES = USER_NAMES.where(users.c.is_active)
ACTIVE_USER_NAME = select(users.c.id, users.c.display_name).where(
    users.c.id == bindparam("id"), users.c.is_active
)


def user_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise FieldInvalid(Message("value.user_id"))
    return value


class UserType(FieldType, References):
    key = "user"
    label = {"zh-CN": "人员", "en": "User"}
    numeric = False
    sortable = True
    filter_kind = "reference"
    in_subtable = True
    cell = "reference"
    wire = "the id of an active user of the tenant (an integer); `_display` has the name"
    example = Example(1)

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return Integer()

    def columns(self, field: BoundField, entity: EntityRuntime) -> list[Column[Any]]:
        return [Column(field.key, Integer, ForeignKey("users.id"), nullable=True, index=True)]

    def coerce(self, value: Any, field: BoundField) -> Any:
        return user_id(value)

    def parse_query(self, text: str, field: BoundField) -> Any:
        return parse_id(text)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "x-user": True}

    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        wanted = set(values)
        if len(wanted) == 1:  # a single record: "=" is cheaper to run than an expanding IN
            rows = ctx.conn.execute(ACTIVE_USER_NAME, {"id": next(iter(wanted))})
        else:
            rows = ctx.conn.execute(ACTIVE_USER_NAMES, {"ids": list(wanted)})
        found = {row[0]: row[1] for row in rows}
        ctx.titles[field] = found  # the names the answer's _display shows
        return [v if v in found else FieldInvalid(Message("value.no_user", id=v)) for v in values]

    def display_titles(
        self, field: BoundField, values: Sequence[Any], ctx: ReadContext
    ) -> dict[Any, Any]:
        rows = ctx.conn.execute(USER_NAMES, {"ids": list(set(values))})
        return {row[0]: row[1] for row in rows}
