"""Several people of the tenant (a team, the attendees of a visit).

Stored as a JSON list of user ids in the order given; every id of every
record of a write is checked in one query.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.forms.field_types.link import parse_id
from engine.forms.field_types.user import user_id
from engine.i18n import Message
from engine.store.tables import users
from engine.store.types import JSONType

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext


class UsersOptions(Options):
    max_users: int = Field(default=50, ge=1, le=500, description="Most people in one value.")


def check_user_ids(value: Any, limit: int) -> list[int]:
    if not isinstance(value, list):
        raise FieldInvalid(Message("value.user_ids"))
    ids = [user_id(item) for item in value]
    if len(set(ids)) != len(ids):
        raise FieldInvalid(Message("value.user_repeated"))
    if len(ids) > limit:
        raise FieldInvalid(Message("value.max_users", max=limit))
    return ids


class UsersType(FieldType, References):
    key = "users"
    label = {"zh-CN": "多人员", "en": "Users"}
    numeric = False
    sortable = False
    filter_kind = "ids"
    in_subtable = True
    cell = "references"
    wire = "a list of ids of active users of the tenant; `_display` has their names, in order"
    example = Example([1, 2])
    Options = UsersOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_user_ids(value, field.options.max_users)

    def parse_query(self, text: str, field: BoundField) -> Any:
        """The exact list, as comma-separated ids: ``3,5``."""
        return check_user_ids([parse_id(part) for part in text.split(",")], field.options.max_users)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "uniqueItems": True,
            "maxItems": field.options.max_users,
            "x-user": True,
        }

    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        wanted = {i for ids in values for i in ids}
        active = set(
            ctx.conn.scalars(select(users.c.id).where(users.c.id.in_(wanted), users.c.is_active))
        )
        resolved: list[Any] = []
        for ids in values:
            missing = next((i for i in ids if i not in active), None)
            resolved.append(
                ids if missing is None else FieldInvalid(Message("value.no_user", id=missing))
            )
        return resolved

    def display_titles(
        self, field: BoundField, values: Sequence[Any], ctx: ReadContext
    ) -> dict[Any, Any]:
        rows = ctx.conn.execute(
            select(users.c.id, users.c.display_name).where(users.c.id.in_(set(values)))
        )
        return {row[0]: row[1] for row in rows}

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        if field.defn.unique:
            yield ".unique", "a users field cannot be unique"
