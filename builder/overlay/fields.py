"""Changes of fields: add, remove, reorder, and set one property."""

from __future__ import annotations

import builtins
import copy
from typing import Any, Literal

from pydantic import field_validator, model_validator

from builder.overlay.base import (
    Change,
    FieldPath,
    Outcome,
    PropertyName,
    applied,
    conflict,
    missing,
    redundant,
    three_way,
)
from builder.overlay.document import Document, Json, field_path, insert_after
from engine.definition import FieldDef, Key

#: Properties of the app, an entity or a field with a change kind of their own.
APP_OWN = frozenset({"key", "version", "label", "entities", "forms", "views", "roles"})
ENTITY_OWN = frozenset({"key", "label", "fields"})
FIELD_OWN = frozenset({"key", "label"})


def field_json(data: Any) -> Json:
    """A field definition in its normal JSON form (as definitions are stored)."""
    return FieldDef.model_validate(data).model_dump(mode="json", exclude_none=True)


def checked_field(data: Any) -> Json:
    """A field definition checked for its shape but kept as written.

    A sub-table's fields are stored as their author wrote them (they are
    options of the sub-table field), so normalising here would make an
    overlay's result differ from what the tenant has.
    """
    field_json(data)
    return {k: v for k, v in data.items() if v is not None}


class AddField(Change):
    """A field the tenant added, placed after ``after`` (first when None)."""

    kind: Literal["add_field"] = "add_field"
    entity: Key
    #: The sub-table field the new field belongs to, for a line-item field.
    subtable: Key | None = None
    field: Json
    after: Key | None = None

    _checked = field_validator("field")(checked_field)

    @property
    def path(self) -> str:
        key = self.field["key"]
        return key if self.subtable is None else f"{self.subtable}.{key}"

    @property
    def target(self) -> str:
        return field_path(self.entity, self.path)

    def describe(self) -> str:
        return f"add the {self.field['type']} field {self.target}"

    def touches(self, entity: str, field: str | None) -> bool:
        if entity != self.entity:
            return False
        return field is None or field in (self.field["key"], self.subtable)

    def apply(self, doc: Document, keep: bool) -> Outcome:
        fields = doc.fields(self.entity, self.subtable)
        if fields is None:
            where = self.entity if self.subtable is None else f"{self.entity}.{self.subtable}"
            return missing(f"{where} to add the field to")
        key = self.field["key"]
        for i, existing in enumerate(fields):
            if existing.get("key") != key:
                continue
            if field_json(existing) == field_json(self.field):
                return redundant("the template now has the very same field")
            if not keep:
                return conflict(
                    "exists_in_template",
                    f"the template now has a field {key!r} of its own "
                    f"({existing.get('type')}); keep the tenant's or drop it",
                    can_keep=True,
                )
            fields[i] = copy.deepcopy(self.field)
            return Outcome("kept", "the tenant's field replaces the template's")
        placed = insert_after(fields, copy.deepcopy(self.field), self.after, _key)
        return applied(None if placed else f"{self.after!r} is gone: the field is placed last")


class RemoveField(Change):
    """A field the tenant removed (publishing archives its column, never drops it)."""

    kind: Literal["remove_field"] = "remove_field"
    entity: Key
    field: FieldPath

    @property
    def target(self) -> str:
        return field_path(self.entity, self.field)

    def describe(self) -> str:
        return f"remove the field {self.target} (its data is archived)"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        found = doc.locate(self.entity, self.field)
        if found is None:
            return redundant("the template no longer has it either")
        fields, index = found
        del fields[index]
        if "." not in self.field:
            doc.forget_field(self.entity, self.field)
        return applied()


class ReorderFields(Change):
    """The order the tenant gave fields: listed fields take the places they held."""

    kind: Literal["reorder_fields"] = "reorder_fields"
    entity: Key
    subtable: Key | None = None
    order: list[Key]

    @property
    def target(self) -> str:
        return field_path(self.entity, self.subtable)

    def describe(self) -> str:
        return f"order the fields of {self.target}: {', '.join(self.order)}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        fields = doc.fields(self.entity, self.subtable)
        if fields is None:
            return redundant(f"the template no longer has {self.target}")
        reorder(fields, self.order, _key)
        return applied()


def reorder(items: list[Json], order: list[str], key: Any) -> None:
    """Put the listed items in the listed order, in the slots they occupy; others stay."""
    rank = {k: i for i, k in enumerate(order)}
    slots = [i for i, item in enumerate(items) if key(item) in rank]
    moved = sorted((items[i] for i in slots), key=lambda item: rank[key(item)])
    for slot, item in zip(slots, moved, strict=True):
        items[slot] = item


class SetProperty(Change):
    """One property of the app (no entity), an entity (no field) or a field.

    ``value`` None removes the property. ``was`` is what the tenant's change
    replaced; when the template changed it too, that is a conflict.
    """

    kind: Literal["set_property"] = "set_property"
    entity: Key | None = None
    field: FieldPath | None = None
    property: PropertyName
    value: Any = None
    was: Any = None

    @model_validator(mode="after")
    def _addressable(self) -> SetProperty:
        if self.field is not None and self.entity is None:
            raise ValueError("a field is addressed with its entity")
        own = FIELD_OWN if self.field else ENTITY_OWN if self.entity else APP_OWN
        if self.property in own:
            raise ValueError(
                f"{self.property!r} is not set with set_property here "
                "(labels: relabel; fields: add_field, remove_field; forms, views and roles: "
                "their own kinds)"
            )
        return self

    @builtins.property
    def target(self) -> str:
        owner = "$" if self.entity is None else field_path(self.entity, self.field)
        return f"{owner}[{self.property}]"

    def describe(self) -> str:
        if self.value is None:
            return f"unset {self.target}"
        return f"set {self.target} to {self.value!r}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        owner = _owner(doc, self.entity, self.field)
        if owner is None:
            return missing(field_path(self.entity or "$", self.field))
        current = owner.get(self.property)
        decided = three_way(current, self.value, self.was, "was" in self.model_fields_set, keep)
        if decided is not None and decided.status != "kept":
            return decided
        if self.value is None:
            owner.pop(self.property, None)
        else:
            owner[self.property] = copy.deepcopy(self.value)
        return decided or applied()


def _owner(doc: Document, entity: str | None, field: str | None) -> Json | None:
    if entity is None:
        return doc.data
    if field is None:
        return doc.entity(entity)
    return doc.field(entity, field)


def _key(item: Json) -> str:
    return str(item.get("key"))
