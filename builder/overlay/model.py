"""An overlay: a tenant's customisations of one template version, as typed changes.

``change_kinds`` is the registry of the kinds (``register_builtins()`` fills
it once); ``AnyChange`` is the discriminated union an overlay is parsed
with, so a bad change is reported at its exact place
(``changes[3].field.type``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from builder.overlay.base import Change
from builder.overlay.entities import AddEntity, RemoveEntity, Reorder
from builder.overlay.fields import AddField, RemoveField, ReorderFields, SetProperty
from builder.overlay.items import AddItem, RemoveItem, SetItem
from builder.overlay.labels import Relabel
from builder.overlay.layout import AddFormSection, HideField, PlaceField
from builder.overlay.options import AddOption
from builder.overlay.parts import (
    AddForm,
    AddRole,
    AddView,
    RemoveForm,
    RemoveRole,
    RemoveView,
    SetForm,
    SetPermission,
    SetView,
)
from engine.definition import Key
from engine.registry import Registry

AnyChange = Annotated[
    AddEntity
    | RemoveEntity
    | AddField
    | RemoveField
    | ReorderFields
    | SetProperty
    | AddOption
    | Relabel
    | HideField
    | PlaceField
    | AddFormSection
    | AddForm
    | SetForm
    | RemoveForm
    | AddView
    | SetView
    | RemoveView
    | AddRole
    | SetPermission
    | RemoveRole
    | AddItem
    | SetItem
    | RemoveItem
    | Reorder,
    Field(discriminator="kind"),
]

BUILTINS: tuple[type[Change], ...] = (
    AddEntity,
    RemoveEntity,
    AddField,
    RemoveField,
    ReorderFields,
    SetProperty,
    AddOption,
    Relabel,
    HideField,
    PlaceField,
    AddFormSection,
    AddForm,
    SetForm,
    RemoveForm,
    AddView,
    SetView,
    RemoveView,
    AddRole,
    SetPermission,
    RemoveRole,
    AddItem,
    SetItem,
    RemoveItem,
    Reorder,
)

change_kinds: Registry[type[Change]] = Registry("overlay change")


def register_builtins() -> None:
    for cls in BUILTINS:
        default = cls.model_fields["kind"].default
        change_kinds.register(str(default), cls)


register_builtins()

#: Version of the overlay's JSON format (not of the app).
FORMAT: Literal[1] = 1


class TemplateRef(BaseModel):
    """A template version: the key of the template app and its version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Key
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]

    def __str__(self) -> str:
        return f"{self.key} {self.version}"


class Overlay(BaseModel):
    """Changes applied, in order, to the template version ``base``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = FORMAT
    base: TemplateRef
    changes: list[AnyChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> Overlay:
        seen: set[str] = set()
        for change in self.changes:
            if change.ref in seen:
                raise ValueError(f"two changes are named {change.ref!r}; merge them")
            seen.add(change.ref)
        return self

    @property
    def empty(self) -> bool:
        return not self.changes

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "base": self.base.model_dump(mode="json"),
            "changes": [change.to_json() for change in self.changes],
        }


def parse_overlay(data: Any) -> Overlay:
    """An overlay from its JSON (raises pydantic's ``ValidationError``)."""
    return Overlay.model_validate(data)
