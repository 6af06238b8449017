"""Changes of the definition's other lists of keyed items (record actions, pools, …).

Entities, forms, views and roles have kinds of their own; any other
top-level list whose items carry a ``key`` (and an ``entity`` when keys are
per entity) is customised item by item with these three, so that a tenant
changing one pool and a template adding an action never collide. An item
is named by ``part_id``: ``lead.convert`` for an action, ``lead_pool`` for a
pool. What an item must look like is checked when the result is loaded.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import field_validator, model_validator

from builder.overlay.base import (
    Change,
    Outcome,
    PropertyName,
    applied,
    conflict,
    redundant,
    three_way,
)
from builder.overlay.document import Document, Json, insert_after
from builder.overlay.entities import part_id
from builder.overlay.fields import APP_OWN


def is_keyed_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and isinstance(item.get("key"), str) for item in value
    )


def _item(data: Any) -> Json:
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        raise ValueError("an item is an object with a string 'key'")
    return {k: v for k, v in data.items() if v is not None}


class _ItemChange(Change):
    part: PropertyName

    @model_validator(mode="after")
    def _other_list(self) -> _ItemChange:
        if self.part in APP_OWN:
            raise ValueError(f"{self.part!r} has change kinds of its own")
        return self

    def _items(self, doc: Document) -> list[Json]:
        items = doc.data.setdefault(self.part, [])
        if not isinstance(items, list):
            raise ValueError(f"{self.part} is not a list")
        return items

    def _find(self, doc: Document, ident: str) -> Json | None:
        return next((i for i in self._items(doc) if part_id(i) == ident), None)


class _WholeItem(_ItemChange):
    """A change that carries the tenant's whole item."""

    item: Json

    _checked = field_validator("item")(_item)

    @property
    def entity(self) -> str | None:
        entity = self.item.get("entity")
        return entity if isinstance(entity, str) else None

    @property
    def target(self) -> str:
        return f"{self.part}:{part_id(self.item)}"

    def _replace(self, doc: Document, existing: Json) -> None:
        items = self._items(doc)
        items[items.index(existing)] = copy.deepcopy(self.item)


class AddItem(_WholeItem):
    """An item the tenant added to a list (``actions``, ``pools``), after the item ``after``."""

    kind: Literal["add_item"] = "add_item"
    after: str | None = None

    def describe(self) -> str:
        return f"add {self.target}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        existing = self._find(doc, part_id(self.item))
        if existing is None:
            placed = insert_after(self._items(doc), copy.deepcopy(self.item), self.after, part_id)
            return applied(None if placed else f"{self.after!r} is gone: placed last")
        if existing == self.item:
            return redundant("the template now has the very same item")
        if not keep:
            return conflict(
                "exists_in_template",
                f"the template now has {self.target} of its own; keep the tenant's or drop it",
                can_keep=True,
            )
        self._replace(doc, existing)
        return Outcome("kept", "the tenant's item replaces the template's")


class SetItem(_WholeItem):
    """The tenant's version of one item of such a list; ``was`` is the one it replaced."""

    kind: Literal["set_item"] = "set_item"
    was: Json | None = None

    def describe(self) -> str:
        return f"replace {self.target} with the tenant's"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        existing = self._find(doc, part_id(self.item))
        if existing is None:
            if not keep:
                return conflict(
                    "missing_target",
                    f"the template no longer has {self.target} that the tenant changed; "
                    "keep re-adds the tenant's",
                    can_keep=True,
                )
            self._items(doc).append(copy.deepcopy(self.item))
            return Outcome("kept", "the tenant's item is added back")
        decided = three_way(existing, self.item, self.was, "was" in self.model_fields_set, keep)
        if decided is not None and decided.status != "kept":
            return decided
        self._replace(doc, existing)
        return decided or applied()


class RemoveItem(_ItemChange):
    """An item the tenant removed from such a list (named as ``part_id`` names it)."""

    kind: Literal["remove_item"] = "remove_item"
    id: str

    @property
    def target(self) -> str:
        return f"{self.part}:{self.id}"

    def describe(self) -> str:
        return f"remove {self.target}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        existing = self._find(doc, self.id)
        if existing is None:
            return redundant("the template no longer has it either")
        self._items(doc).remove(existing)
        return applied()
