"""The definition document an overlay edits: a JSON copy with lookups by key.

An overlay is a patch of the definition *document* (what the builder edits
and what ``definition.json`` holds), so its changes work on the JSON form and
the result is parsed once, at the end, by ``builder.validate.load_definition``
— the same boundary every definition goes through. Keys address everything:
entities, fields (``items.qty`` for a sub-table's field), options by value,
forms and views by (entity, key), roles by key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

Json = dict[str, Any]


def clone(data: Json) -> Json:
    """A deep copy of a JSON document (several times faster than ``copy.deepcopy``)."""
    copied: Json = json.loads(json.dumps(data))
    return copied


def field_path(entity: str, field: str | None = None) -> str:
    return entity if field is None else f"{entity}.{field}"


def insert_after(items: list[Any], item: Any, after: str | None, key: Callable[[Any], str]) -> bool:
    """Insert ``item`` after the one keyed ``after`` (first when None).

    Returns False when ``after`` is not there: the item then goes last.
    """
    if after is None:
        items.insert(0, item)
        return True
    for i, existing in enumerate(items):
        if key(existing) == after:
            items.insert(i + 1, item)
            return True
    items.append(item)
    return False


def _key(item: Json) -> str:
    return str(item.get("key"))


def _value(item: Json) -> str:
    return str(item.get("value"))


def option_value(item: Any) -> str:
    return _value(item) if isinstance(item, dict) else str(item)


class Document:
    """A mutable copy of a definition's JSON, with lookups the changes share."""

    def __init__(self, data: Json, copy: bool = True) -> None:
        """``copy=False`` adopts ``data`` (a fresh dump nobody else holds) instead of copying it."""
        self.data: Json = clone(data) if copy else data

    # -- entities and fields ----------------------------------------------------------
    @property
    def entities(self) -> list[Json]:
        entities: list[Json] = self.data.setdefault("entities", [])
        return entities

    def entity(self, key: str) -> Json | None:
        return next((e for e in self.entities if e.get("key") == key), None)

    def fields(self, entity: str, subtable: str | None = None) -> list[Json] | None:
        """The field list of an entity, or of one of its sub-tables."""
        found = self.entity(entity)
        if found is None:
            return None
        fields: list[Json] = found.setdefault("fields", [])
        if subtable is None:
            return fields
        parent = next((f for f in fields if f.get("key") == subtable), None)
        if parent is None or not isinstance(parent.get("fields"), list):
            return None
        sub: list[Json] = parent["fields"]
        return sub

    def locate(self, entity: str, path: str) -> tuple[list[Json], int] | None:
        """Where the field ``path`` (``key`` or ``subtable.key``) is: its list and index."""
        subtable, _, key = path.rpartition(".")
        fields = self.fields(entity, subtable or None)
        if fields is None:
            return None
        for i, field in enumerate(fields):
            if field.get("key") == key:
                return fields, i
        return None

    def field(self, entity: str, path: str) -> Json | None:
        found = self.locate(entity, path)
        return None if found is None else found[0][found[1]]

    # -- forms, views, roles ----------------------------------------------------------
    @property
    def forms(self) -> list[Json]:
        forms: list[Json] = self.data.setdefault("forms", [])
        return forms

    @property
    def views(self) -> list[Json]:
        views: list[Json] = self.data.setdefault("views", [])
        return views

    @property
    def roles(self) -> list[Json]:
        roles: list[Json] = self.data.setdefault("roles", [])
        return roles

    def form(self, entity: str, key: str) -> Json | None:
        return next((f for f in self.forms if (f["entity"], f["key"]) == (entity, key)), None)

    def view(self, entity: str, key: str) -> Json | None:
        return next((v for v in self.views if (v["entity"], v["key"]) == (entity, key)), None)

    def role(self, key: str) -> Json | None:
        return next((r for r in self.roles if r.get("key") == key), None)

    # -- where a field shows ----------------------------------------------------------
    def places(self, entity: str) -> Iterator[tuple[str, list[str]]]:
        """Every list of field keys that shows fields of ``entity``, with its name.

        Form sections, table columns and kanban cards; not sorts or a kanban's
        grouping, which decide order and lanes rather than show a value.
        """
        for form in self.forms:
            if form["entity"] == entity:
                for i, section in enumerate(form.get("layout", [])):
                    yield f"form {entity}.{form['key']} section {i + 1}", section["fields"]
        for view in self.views:
            if view["entity"] != entity:
                continue
            name = "columns" if view.get("type") == "table" else "card_fields"
            keys = view.setdefault(name, [])
            yield f"view {entity}.{view['key']}", keys

    def shown_in(self, entity: str, key: str) -> list[str]:
        return [name for name, keys in self.places(entity) if key in keys]

    def unshow(self, entity: str, key: str) -> int:
        """Take a field off every form and view; returns how many places showed it."""
        removed = 0
        for _, keys in self.places(entity):
            while key in keys:
                keys.remove(key)
                removed += 1
        return removed

    def forget_field(self, entity: str, key: str) -> None:
        """Remove every reference a removed field leaves in forms, views and roles.

        References that change what something means (a title field, a kanban's
        grouping, an expression) are left for validation to report.
        """
        self.unshow(entity, key)
        for view in self.views:
            if view["entity"] == entity and "sort" in view:
                view["sort"] = [s for s in view["sort"] if s.lstrip("+-") != key]
        for role in self.roles:
            permission = role.get("permissions", {}).get(entity)
            if permission is not None:
                permission.get("fields", {}).pop(key, None)

    def forget_entity(self, entity: str) -> None:
        """Drop what belongs to a removed entity: its forms, views, actions, pools…"""
        for name, value in self.data.items():
            if name != "entities" and isinstance(value, list):
                self.data[name] = [
                    item
                    for item in value
                    if not (isinstance(item, dict) and item.get("entity") == entity)
                ]
        for role in self.roles:
            role.get("permissions", {}).pop(entity, None)
