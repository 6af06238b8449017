"""Changes of entities (add, remove) and of the order of entities, forms, views, roles."""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import field_validator

from builder.overlay.base import Change, Outcome, PropertyName, applied, conflict, redundant
from builder.overlay.document import Document, Json, insert_after
from builder.overlay.fields import reorder
from engine.definition import EntityDef, Key


def entity_json(data: Any) -> Json:
    return EntityDef.model_validate(data).model_dump(mode="json", exclude_none=True)


class AddEntity(Change):
    """An entity the tenant added (with its fields), after the entity ``after``."""

    kind: Literal["add_entity"] = "add_entity"
    definition: Json
    after: Key | None = None

    _normal = field_validator("definition")(entity_json)

    @property
    def entity(self) -> str:
        return str(self.definition["key"])

    @property
    def target(self) -> str:
        return self.entity

    def describe(self) -> str:
        return f"add the entity {self.entity} ({len(self.definition['fields'])} fields)"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        for i, existing in enumerate(doc.entities):
            if existing.get("key") != self.entity:
                continue
            if existing == self.definition:
                return redundant("the template now has the very same entity")
            if not keep:
                return conflict(
                    "exists_in_template",
                    f"the template now has an entity {self.entity!r} of its own; "
                    "keep the tenant's or drop it",
                    can_keep=True,
                )
            doc.entities[i] = copy.deepcopy(self.definition)
            return Outcome("kept", "the tenant's entity replaces the template's")
        placed = insert_after(doc.entities, copy.deepcopy(self.definition), self.after, _key)
        return applied(None if placed else f"{self.after!r} is gone: the entity is placed last")


class RemoveEntity(Change):
    """An entity the tenant removed, with its forms, views and role access (data archived)."""

    kind: Literal["remove_entity"] = "remove_entity"
    entity: Key

    @property
    def target(self) -> str:
        return self.entity

    def describe(self) -> str:
        return f"remove the entity {self.entity} (its table is archived)"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        existing = doc.entity(self.entity)
        if existing is None:
            return redundant("the template no longer has it either")
        doc.entities.remove(existing)
        doc.forget_entity(self.entity)
        return applied()


class Reorder(Change):
    """The order the tenant gave entities, forms, views, roles, actions… (menus follow it).

    Listed items take the places they held, in the listed order; items the
    tenant never saw (new in the template) stay where the template put them.
    Forms and views are listed as ``entity.key``.
    """

    kind: Literal["reorder"] = "reorder"
    #: ``entities``, ``forms``, ``views``, ``roles`` or another list of keyed items.
    part: PropertyName
    order: list[str]

    @property
    def target(self) -> str:
        return self.part

    def describe(self) -> str:
        return f"order the {self.part}: {', '.join(self.order)}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        items = doc.data.get(self.part)
        if not isinstance(items, list):
            return redundant(f"the template has no {self.part}")
        reorder(items, self.order, part_id)
        return applied()


def part_id(item: Json) -> str:
    """How ``reorder`` names an item: its key, or ``entity.key`` for forms and views."""
    if "entity" in item:
        return f"{item['entity']}.{item['key']}"
    return str(item["key"])


def _key(item: Json) -> str:
    return str(item.get("key"))
