"""Changes of where fields show: hide one, place one on a form or view, add a form section.

Hiding a field takes it off every form section, table column list and kanban
card of its entity: it stays in the entity (its column and data stay, the
API still reads and writes it, and a role's field access still applies), it
just is not shown. The effective definition stays an ordinary definition —
no ``hidden`` marker the form engine, permissions and UI would each have to
learn — and a template upgrade that puts the field on a new view has it
taken off again, because the hide is re-applied.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from builder.overlay.base import Change, Outcome, applied, conflict, missing, redundant
from builder.overlay.document import Document, Json, insert_after
from engine.definition import SYSTEM_FIELDS, FormSection, Key


class HideField(Change):
    """Take a field off every form and view of its entity (its data stays)."""

    kind: Literal["hide_field"] = "hide_field"
    entity: Key
    field: Key

    @property
    def target(self) -> str:
        return f"{self.entity}.{self.field}"

    def describe(self) -> str:
        return f"hide {self.target} from every form and view"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        if doc.field(self.entity, self.field) is None:
            return redundant("the template no longer has the field")
        if doc.unshow(self.entity, self.field) == 0:
            return redundant("the template shows it nowhere")
        return applied()


class PlaceField(Change):
    """Show a field on a form section or a view (columns, kanban cards), after ``after``."""

    kind: Literal["place_field"] = "place_field"
    entity: Key
    field: Key
    form: Key | None = None
    #: The section of the form (its index).
    section: int | None = Field(default=None, ge=0)
    view: Key | None = None
    after: Key | None = None

    @model_validator(mode="after")
    def _one_place(self) -> PlaceField:
        if (self.form is None) == (self.view is None):
            raise ValueError("place a field on one form section or one view")
        if (self.form is None) != (self.section is None):
            raise ValueError("a form place names its section")
        return self

    @property
    def place(self) -> str:
        if self.form is not None:
            return f"form:{self.entity}.{self.form}#{self.section}"
        return f"view:{self.entity}.{self.view}"

    @property
    def target(self) -> str:
        return f"{self.entity}.{self.field}@{self.place}"

    def describe(self) -> str:
        return f"show {self.entity}.{self.field} on {self.place}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        system = self.view is not None and self.field in SYSTEM_FIELDS
        if doc.field(self.entity, self.field) is None and not system:
            return missing(f"the field {self.entity}.{self.field}")
        keys = self._keys(doc)
        if keys is None:
            return missing(self.place)
        if self.field in keys:
            return redundant(f"the template shows it on {self.place} already")
        if self.form is not None and self.field in _form_fields(doc, self.entity, self.form):
            return conflict(
                "shown_elsewhere",
                f"the template now shows {self.field} in another section of the form",
            )
        placed = insert_after(keys, self.field, self.after, str)
        return applied(None if placed else f"{self.after!r} is not there: placed last")

    def _keys(self, doc: Document) -> list[str] | None:
        if self.form is not None and self.section is not None:
            form = doc.form(self.entity, self.form)
            layout = [] if form is None else form.get("layout", [])
            if self.section >= len(layout):
                return None
            fields: list[str] = layout[self.section]["fields"]
            return fields
        view = None if self.view is None else doc.view(self.entity, self.view)
        if view is None:
            return None
        shown: list[str] = view.setdefault(
            "columns" if view.get("type") == "table" else "card_fields", []
        )
        return shown


class AddFormSection(Change):
    """A section the tenant added at the end of a form."""

    kind: Literal["add_form_section"] = "add_form_section"
    entity: Key
    form: Key
    section: Json

    @field_validator("section")
    @classmethod
    def _normal(cls, data: Any) -> Json:
        return FormSection.model_validate(data).model_dump(mode="json", exclude_none=True)

    @property
    def target(self) -> str:
        return f"form:{self.entity}.{self.form}+{','.join(self.section['fields'])}"

    def describe(self) -> str:
        fields = ", ".join(self.section["fields"])
        return f"add a section with {fields} to form {self.entity}.{self.form}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        form = doc.form(self.entity, self.form)
        if form is None:
            return missing(f"the form {self.entity}.{self.form}")
        layout: list[Json] = form.setdefault("layout", [])
        if self.section in layout:
            return redundant("the template has the very same section")
        shown = _form_fields(doc, self.entity, self.form) & set(self.section["fields"])
        if shown:
            return conflict(
                "shown_elsewhere",
                f"the template's form now shows {', '.join(sorted(shown))} in another section",
            )
        layout.append(copy.deepcopy(self.section))
        return applied()


def _form_fields(doc: Document, entity: str, form_key: str) -> set[str]:
    form = doc.form(entity, form_key)
    if form is None:
        return set()
    return {key for section in form.get("layout", []) for key in section["fields"]}
