"""Forms: which fields of an entity a user fills in, in which sections."""

from __future__ import annotations

from pydantic import Field

from engine.definition.common import Key, Label, Strict


class FormSection(Strict):
    section: Label | None = None
    columns: int = Field(default=1, ge=1, le=4)
    fields: list[Key]


class FormDef(Strict):
    entity: Key
    key: Key
    label: Label | None = None
    layout: list[FormSection]
