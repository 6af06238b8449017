"""What a field path in a filter or a sort names: a column, its kind, a link hop.

``stage`` is a field of the entity, ``created_at`` a system column, and
``customer.industry`` the ``industry`` of the record the link field
``customer`` points at (one hop; links of links are refused). Every column
comes from the published definition: request text is only ever a key looked
up in it, never an identifier put into SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Numeric, type_coerce

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import QueryTime
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.link import LinkType
from engine.forms.filters.kinds import NUMBER, SYSTEM_KINDS, Kind, kind_of

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime


#: How the reader sees a linked entity: the same entity without the fields
#: hidden from them (``engine.forms.guard.visible_entity``), so a path cannot
#: reach a hidden field through a link.
LinkedView = Callable[["EntityRuntime"], "EntityRuntime"]


@dataclass(frozen=True)
class Hop:
    """The link a path follows: ``link`` on the listed entity points at ``entity``."""

    link: ColumnElement[Any]
    entity: EntityRuntime


@dataclass(frozen=True)
class Target:
    path: str
    #: The field or system column on its table (``industry`` for ``customer.industry``).
    key: str
    kind: Kind
    #: On the table of the entity holding the field (the linked one after a hop).
    column: ColumnElement[Any]
    #: None for system columns.
    field: BoundField | None
    hop: Hop | None = None
    #: Computed at read time (a roll-up): a correlated subquery, not a column.
    query_time: bool = False

    @property
    def described(self) -> str:
        kind = self.field.type.key if self.field is not None else "system"
        return f"{self.path} ({kind})"

    def exact(self, raw: Any, query_text: bool) -> Any:
        """A value the field could hold, for ``eq``/``in``: coerced by the field type.

        Writable fields coerce through their type, so ``eq`` compares with
        the stored form (a normalised phone number, an option that exists).
        Derived fields and system columns have no input rules: their kind
        coerces.
        """
        field = self.field
        if field is not None and field.type.writable:
            if query_text:
                return field.type.parse_query(raw, field)
            return field.type.coerce(raw, field)
        if query_text and isinstance(raw, str):
            raw = self.kind.from_text(raw)
        return self.kind.value(raw, field)

    def operand(self, raw: Any) -> Any:
        """A bound of a range or a search term: the kind's value, free of field limits."""
        return self.kind.value(raw, self.field)


def _field_target(
    path: str, field: BoundField, entity: EntityRuntime, app: AppRuntime, hop: Hop | None
) -> Target:
    kind = kind_of(field, entity, app)
    if kind is None:
        raise FieldInvalid(f"{path} ({field.type.key}) cannot be filtered or sorted")
    if isinstance(field.type, QueryTime):
        column = field.type.select_expression(field, entity, app)
        # count() is typed integer; a decimal operand needs a numeric bind type.
        if kind is NUMBER and not isinstance(column.type, Numeric):
            column = type_coerce(column, Numeric())
        return Target(path, field.key, kind, column, field, hop, query_time=True)
    if not field.type.stored:
        raise FieldInvalid(f"{path} ({field.type.key}) cannot be filtered or sorted")
    column = entity.table.c[field.key]
    # An integer column (a rating) compared with 3.5: bind the operand as numeric.
    if kind is NUMBER and not isinstance(column.type, Numeric):
        return Target(path, field.key, kind, type_coerce(column, Numeric()), field, hop)
    return Target(path, field.key, kind, column, field, hop)


def _local_target(
    path: str, key: str, entity: EntityRuntime, app: AppRuntime, hop: Hop | None
) -> Target | None:
    field = entity.fields.get(key)
    if field is not None:
        return _field_target(path, field, entity, app, hop)
    system = SYSTEM_KINDS.get(key)
    if system is not None:
        return Target(path, key, system, entity.table.c[key], None, hop)
    return None


def resolve(
    path: str, entity: EntityRuntime, app: AppRuntime, linked_view: LinkedView | None = None
) -> Target:
    """The target of ``path`` on ``entity``, or ``FieldInvalid`` saying what is wrong.

    ``entity`` is already the reader's view of it; ``linked_view`` gives the
    reader's view of a linked entity (all of it when None).
    """
    head, dot, rest = path.partition(".")
    if not dot:
        target = _local_target(path, path, entity, app, None)
        if target is None:
            raise FieldInvalid(f"{entity.key} has no field {path!r}")
        return target
    link = entity.fields.get(head)
    if link is None:
        raise FieldInvalid(f"{entity.key} has no field {head!r}")
    if not isinstance(link.type, LinkType):
        raise FieldInvalid(
            f"{head} is a {link.type.key} field: only link fields can be followed with '.'"
        )
    if "." in rest:
        raise FieldInvalid("a path follows at most one link (like customer.industry)")
    linked = app.entities[link.options.target]
    if linked_view is not None:
        linked = linked_view(linked)
    hop = Hop(entity.table.c[link.key], linked)
    target = _local_target(path, rest, linked, app, hop)
    if target is None:
        raise FieldInvalid(f"{linked.key} has no field {rest!r}")
    return target


__all__ = ["Hop", "LinkedView", "Target", "resolve"]
