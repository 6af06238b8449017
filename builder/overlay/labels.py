"""Relabelling: the label of the app, an entity, a field, an option, a view, a form,
a form section or a role."""

from __future__ import annotations

import copy
from typing import Literal

from pydantic import Field, model_validator

from builder.overlay.base import Change, FieldPath, Outcome, applied, missing, three_way
from builder.overlay.document import Document, Json, field_path, option_value
from engine.definition import Key, Label


class Relabel(Change):
    """A new label. What it labels is given by which keys are set:

    none: the app; ``entity``; ``entity`` + ``field`` (+ ``option``: a choice);
    ``entity`` + ``view``; ``entity`` + ``form`` (+ ``section``: its index); ``role``.
    """

    kind: Literal["relabel"] = "relabel"
    entity: Key | None = None
    field: FieldPath | None = None
    option: str | None = Field(default=None, min_length=1, max_length=64)
    view: Key | None = None
    form: Key | None = None
    section: int | None = Field(default=None, ge=0)
    role: Key | None = None
    label: Label | None
    was: Label | None = None

    @model_validator(mode="after")
    def _addressable(self) -> Relabel:
        given = {
            name
            for name in ("entity", "field", "option", "view", "form", "section", "role")
            if getattr(self, name) is not None
        }
        allowed = [
            set(),
            {"entity"},
            {"entity", "field"},
            {"entity", "field", "option"},
            {"entity", "view"},
            {"entity", "form"},
            {"entity", "form", "section"},
            {"role"},
        ]
        if given not in allowed:
            raise ValueError(
                f"cannot relabel {', '.join(sorted(given))}: give nothing (the app), entity, "
                "entity+field(+option), entity+view, entity+form(+section) or role"
            )
        return self

    @property
    def target(self) -> str:
        if self.role is not None:
            return f"role:{self.role}"
        if self.entity is None:
            return "$"
        if self.view is not None:
            return f"view:{self.entity}.{self.view}"
        if self.form is not None:
            form = f"form:{self.entity}.{self.form}"
            return form if self.section is None else f"{form}#{self.section}"
        path = field_path(self.entity, self.field)
        return path if self.option is None else f"{path}={self.option}"

    def describe(self) -> str:
        label = self.label or {}
        text = " / ".join(f"{lang}: {value}" for lang, value in label.items()) or "nothing"
        return f"relabel {self.target} as {text}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        found = self._find(doc)
        if found is None:
            return missing(self.target)
        owner, name = found
        current = owner.get(name)
        decided = three_way(current, self.label, self.was, "was" in self.model_fields_set, keep)
        if decided is not None and decided.status != "kept":
            return decided
        if self.label is None:
            owner.pop(name, None)
        else:
            owner[name] = copy.deepcopy(self.label)
        return decided or applied()

    def _find(self, doc: Document) -> tuple[Json, str] | None:
        """The object that holds the label, and the property it is in."""
        if self.role is not None:
            role = doc.role(self.role)
            return None if role is None else (role, "label")
        if self.entity is None:
            return doc.data, "label"
        if self.view is not None:
            view = doc.view(self.entity, self.view)
            return None if view is None else (view, "label")
        if self.form is not None:
            form = doc.form(self.entity, self.form)
            if form is None:
                return None
            if self.section is None:
                return form, "label"
            layout = form.get("layout", [])
            return (layout[self.section], "section") if self.section < len(layout) else None
        if self.field is None:
            entity = doc.entity(self.entity)
            return None if entity is None else (entity, "label")
        field = doc.field(self.entity, self.field)
        if field is None:
            return None
        if self.option is None:
            return field, "label"
        options = field.get("options")
        if not isinstance(options, list):
            return None
        option = next((o for o in options if option_value(o) == self.option), None)
        return (option, "label") if isinstance(option, dict) else None
