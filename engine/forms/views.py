"""Saved views of an entity: the records a view shows, for the user looking at it.

A view's ``filter`` is a tree of the records filter language whose values
may be relative: ``{"$user": "me"}`` (who looks) and ``{"$today": N}``
(today plus N days in the tenant's time zone). They are resolved per
request into plain values and the tree goes through the same parser and
binder as a client's ``filter``; the caller's record scope still applies on
top. The one thing a view may do that its reader could not ask for: select
records by a field hidden from the reader, because the designer wrote that
condition (``ViewQuery``); the values stay hidden and the reader cannot
change the condition's operands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from engine.definition import AppDefinition, KanbanView, TableView
from engine.forms.errors import FieldError, QueryInvalid, RecordInvalid
from engine.forms.filters import FilterNode, Group, bind_filter, filter_from_json
from engine.forms.records import ListQuery
from engine.forms.runtime import AppRuntime
from engine.i18n import Message

View = TableView | KanbanView

#: ``$today`` reaches at most this many days either way (ten years).
MAX_DAYS = 3650


class RelativeValueInvalid(ValueError):
    """A relative operand the designer wrote wrongly; ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def find_view(definition: AppDefinition, entity_key: str, view_key: str) -> View | None:
    for view in definition.views:
        if view.entity == entity_key and view.key == view_key:
            return view
    return None


def resolve_relative(raw: Any, user_id: int | None, today: date, path: str = "filter") -> Any:
    """``raw`` with every relative operand replaced by its value for this user and day."""
    if isinstance(raw, list):
        return [
            resolve_relative(item, user_id, today, f"{path}[{i}]") for i, item in enumerate(raw)
        ]
    if not isinstance(raw, dict):
        return raw
    if "$user" in raw or "$today" in raw:
        return _relative(raw, user_id, today, path)
    return {
        key: resolve_relative(value, user_id, today, f"{path}.{key}") for key, value in raw.items()
    }


def _relative(raw: dict[str, Any], user_id: int | None, today: date, path: str) -> Any:
    if len(raw) != 1:
        raise RelativeValueInvalid(path, Message("value.relative_one_key"))
    if "$user" in raw:
        if raw["$user"] != "me":
            raise RelativeValueInvalid(f"{path}.$user", Message("value.relative_me"))
        return user_id
    days = raw["$today"]
    if isinstance(days, bool) or not isinstance(days, int) or abs(days) > MAX_DAYS:
        raise RelativeValueInvalid(f"{path}.$today", Message("value.relative_days", max=MAX_DAYS))
    return (today + timedelta(days=days)).isoformat()


def view_filter(view: View, user_id: int | None, today: date) -> FilterNode | None:
    """The view's filter as a parsed tree for this user and day (None: every record)."""
    if view.filter is None:
        return None
    try:
        resolved = resolve_relative(view.filter, user_id, today)
    except RelativeValueInvalid as err:
        raise QueryInvalid([FieldError(f"view.{err.path}", err.message)]) from None
    return filter_from_json(resolved, "view.filter")


def require_view(definition: AppDefinition, entity_key: str, view_key: str) -> View:
    """The view, or a 422 naming ``view`` (like any bad query parameter)."""
    view = find_view(definition, entity_key, view_key)
    if view is None:
        keys = ", ".join(v.key for v in definition.views if v.entity == entity_key) or "none"
        entity = next((e for e in definition.entities if e.key == entity_key), None)
        label = entity.label if entity is not None and entity.label else {"en": entity_key}
        message = Message("record.no_view", entity=label, view=repr(view_key), views=keys)
        raise QueryInvalid([FieldError("view", message)])
    return view


def narrowed(
    view: View, given: FilterNode | None, user_id: int | None, today: date
) -> FilterNode | None:
    """The request's own filter ANDed with the view's."""
    own = view_filter(view, user_id, today)
    if own is None or given is None:
        return own or given
    return Group(conjunction="and", items=(own, given))


@dataclass
class ViewQuery(ListQuery):
    """A list query narrowed to a saved view, with the designer's part kept apart.

    ``filter`` is the view's filter ANDed with the request's, so a caller
    without a user's restrictions lists exactly the view's records.
    ``engine.forms.guard.GuardedReads`` instead applies ``designed`` on the
    whole entity and checks only ``own_filter`` (and a ``sort`` of the
    request's own) against the reader's access: a view may select records by
    a field the reader may not see, as its designer decided, without the
    reader being able to change the condition or read the values; a view's
    sort by such a field is dropped for that reader, because an order by it
    would rank records by the hidden value.
    """

    #: The view's filter for this user and day.
    designed: FilterNode | None = None
    #: The request's own filter.
    own_filter: FilterNode | None = None
    #: Whether ``sort`` is the view's (the request had none).
    sort_from_view: bool = False


def apply_view(
    query: ListQuery,
    definition: AppDefinition,
    entity_key: str,
    view_key: str,
    user_id: int | None,
    today: date,
) -> ViewQuery:
    """``query`` narrowed to the view's records, in the view's order unless it has its own."""
    view = require_view(definition, entity_key, view_key)
    designed = view_filter(view, user_id, today)
    combined = narrowed(view, query.filter, user_id, today)
    base = {f.name: getattr(query, f.name) for f in fields(ListQuery)}
    base.update(filter=combined, sort=query.sort or list(view.sort))
    return ViewQuery(
        **base,
        designed=designed,
        own_filter=query.filter,
        sort_from_view=not query.sort and bool(view.sort),
    )


def check_view_filters(definition: AppDefinition, runtime: AppRuntime) -> Iterator[tuple[str, str]]:
    """Publish-time check of every view's filter: ``(JSON path, message)`` per problem.

    Relative values are resolved with a sample user and day, so that the
    operand types are checked by the same binder a request goes through.
    """
    for i, view in enumerate(definition.views):
        entity = runtime.entity(view.entity)
        if view.filter is None or entity is None:
            continue
        base = f"$.views[{i}]"
        try:
            resolved = resolve_relative(view.filter, 1, date(2000, 1, 1))
            bind_filter(filter_from_json(resolved, "filter"), entity, runtime)
        except RelativeValueInvalid as err:
            yield f"{base}.{err.path}", err.message
        except RecordInvalid as err:
            for error in err.errors:
                yield f"{base}.{error.field}", error.message


__all__ = [
    "RelativeValueInvalid",
    "View",
    "ViewQuery",
    "apply_view",
    "check_view_filters",
    "find_view",
    "narrowed",
    "require_view",
    "resolve_relative",
    "view_filter",
]
