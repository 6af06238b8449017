"""``?sort=-amount,customer.name``: the ORDER BY of a list.

Keys are field paths as in filters; ``-`` sorts descending. A blank value
sorts as the smallest on both databases. The record id always comes last,
in the direction of the last key, so pages never overlap or skip a row
when many records share a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select

from engine.forms.errors import FieldError, FieldInvalid, QueryInvalid
from engine.forms.filters.targets import LinkedView, Target, resolve
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime

MAX_SORT_KEYS = 5


def _linked_key(target: Target) -> ColumnElement[Any]:
    """The linked record's value as a correlated scalar subquery.

    An alias keeps it correct when a link points at its own entity.
    """
    hop = target.hop
    assert hop is not None
    linked = hop.entity.table.alias(f"sort_{target.path.replace('.', '_')}")
    return select(linked.c[target.key]).where(linked.c.id == hop.link).scalar_subquery()


def _sort_key(
    key: str,
    entity: EntityRuntime,
    app: AppRuntime,
    columns: Mapping[str, ColumnElement[Any]],
    linked_view: LinkedView | None,
) -> ColumnElement[Any]:
    target = resolve(key, entity, app, linked_view)
    if not target.kind.sortable:
        kind = target.field.type.key if target.field is not None else target.kind.key
        raise FieldInvalid(Message("sort.several_values", kind=kind))
    # The type's word too: rich text is text to filter but has no useful order.
    if target.field is not None and not target.field.type.sortable:
        raise FieldInvalid(Message("sort.no_order", type=target.field.type.key))
    if target.hop is None:
        # The selected column (a roll-up's label), so the database computes it once.
        return columns.get(key, target.column)
    if target.query_time:
        raise FieldInvalid(Message("sort.rollup"))
    return _linked_key(target)


def order_by(
    entity: EntityRuntime,
    app: AppRuntime,
    columns: Mapping[str, ColumnElement[Any]],
    sort: Sequence[str],
    linked_view: LinkedView | None = None,
) -> list[ColumnElement[Any]]:
    """The ORDER BY of ``sort``; ``columns`` are the selected ones, by key."""
    if len(sort) > MAX_SORT_KEYS:
        raise QueryInvalid([FieldError("sort", Message("sort.max_keys", max=MAX_SORT_KEYS))])
    order: list[ColumnElement[Any]] = []
    errors: list[FieldError] = []
    for item in sort:
        descending = item.startswith("-")
        key = item.lstrip("-+")
        try:
            column = _sort_key(key, entity, app, columns, linked_view)
        except FieldInvalid as err:
            errors.append(FieldError("sort", Message("sort.cannot", key=key, reason=err.message)))
            continue
        order.append(column.desc().nulls_last() if descending else column.asc().nulls_first())
    if errors:
        raise QueryInvalid(errors)
    last_descending = bool(sort) and sort[-1].startswith("-")
    order.append(columns["id"].desc() if last_descending or not sort else columns["id"].asc())
    return order


__all__ = ["order_by"]
