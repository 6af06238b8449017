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

from engine.forms.errors import FieldInvalid, Label, label_of
from engine.forms.field_types.abilities import LocalTime, QueryTime
from engine.forms.field_types.base import BoundField, FieldType
from engine.forms.field_types.link import LinkType
from engine.forms.filters.kinds import NUMBER, SYSTEM_KINDS, Kind, Zone, default_zone, kind_of
from engine.i18n import ZH_CN, Message, label_in

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime


#: What messages call the type of a system column (``id``, ``created_at``…).
SYSTEM_LABEL: Label = {"zh-CN": "系统字段", "en": "system"}


def type_name(field_type: FieldType) -> Label:
    """A field type as a message names it: its key in English (the word of the
    definition and of API clients), its label in Chinese ("单行文本")."""
    return {"en": field_type.key, ZH_CN: label_in(field_type.label, ZH_CN)}


#: How the reader sees a linked entity: the same entity without the fields
#: hidden from them (``engine.forms.guard.visible_entity``), so a path cannot
#: reach a hidden field through a link.
LinkedView = Callable[["EntityRuntime"], "EntityRuntime"]


@dataclass(frozen=True)
class Hop:
    """The link a path follows: ``link`` on the listed entity points at ``entity``."""

    link: ColumnElement[Any]
    entity: EntityRuntime
    #: The link field's label (None: its key names it).
    label: Label | None = None


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
    #: The tenant's zone, for date-times written without an offset (the binder's).
    zone: Zone = default_zone

    @property
    def described(self) -> str:
        kind = self.field.type.key if self.field is not None else "system"
        return f"{self.path} ({kind})"

    @property
    def type_label(self) -> Label:
        """The field type as messages name it (see ``type_name``)."""
        return type_name(self.field.type) if self.field is not None else SYSTEM_LABEL

    @property
    def label(self) -> Label:
        """How a message names the target: the field's label ("客户的行业" after a
        link), the path where it has none."""
        own = label_of(self.field) if self.field is not None else {"en": self.key}
        if self.hop is None:
            return own
        head = self.path.partition(".")[0]
        return Message("filter.linked_label", link=self.hop.label or {"en": head}, field=own)

    def exact(self, raw: Any, query_text: bool) -> Any:
        """A value the field could hold, for ``eq``/``in``: coerced by the field type.

        Writable fields coerce through their type, so ``eq`` compares with
        the stored form (a normalised phone number, an option that exists).
        Derived fields and system columns have no input rules: their kind
        coerces.
        """
        field = self.field
        if field is not None and field.type.writable:
            if isinstance(field.type, LocalTime):
                # Read in the tenant's zone, as the same text typed into the form is.
                return self.kind.local_value(raw, field, self.zone)
            if query_text:
                return field.type.parse_query(raw, field)
            return field.type.coerce(raw, field)
        if query_text and isinstance(raw, str):
            raw = self.kind.from_text(raw)
        return self.kind.local_value(raw, field, self.zone)

    def operand(self, raw: Any) -> Any:
        """A bound of a range or a search term: the kind's value, free of field limits."""
        return self.kind.local_value(raw, self.field, self.zone)


def _field_target(
    path: str, field: BoundField, entity: EntityRuntime, app: AppRuntime, hop: Hop | None
) -> Target:
    kind = kind_of(field, entity, app)
    if kind is None:
        raise FieldInvalid(
            Message("filter.not_filterable", field=label_of(field), type=type_name(field.type))
        )
    if isinstance(field.type, QueryTime):
        column = field.type.select_expression(field, entity, app)
        # count() is typed integer; a decimal operand needs a numeric bind type.
        if kind is NUMBER and not isinstance(column.type, Numeric):
            column = type_coerce(column, Numeric())
        return Target(path, field.key, kind, column, field, hop, query_time=True)
    if not field.type.stored:
        raise FieldInvalid(
            Message("filter.not_filterable", field=label_of(field), type=type_name(field.type))
        )
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
            raise FieldInvalid(Message("filter.no_field", entity=label_of(entity), field=path))
        return target
    link = entity.fields.get(head)
    if link is None:
        raise FieldInvalid(Message("filter.no_field", entity=label_of(entity), field=head))
    if not isinstance(link.type, LinkType):
        raise FieldInvalid(
            Message("filter.not_a_link", field=label_of(link), type=type_name(link.type))
        )
    if "." in rest:
        raise FieldInvalid(Message("filter.one_hop"))
    linked = app.entities[link.options.target]
    if linked_view is not None:
        linked = linked_view(linked)
    hop = Hop(entity.table.c[link.key], linked, label_of(link))
    target = _local_target(path, rest, linked, app, hop)
    if target is None:
        raise FieldInvalid(Message("filter.no_field", entity=label_of(linked), field=rest))
    return target


__all__ = ["SYSTEM_LABEL", "Hop", "LinkedView", "Target", "resolve", "type_name"]
