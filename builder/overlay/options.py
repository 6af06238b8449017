"""Changes of a choice field's options: add one."""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import field_validator

from builder.overlay.base import Change, FieldPath, Outcome, applied, conflict, missing, redundant
from builder.overlay.document import Document, Json, field_path, insert_after, option_value
from engine.definition import Key


def choice_json(data: Any) -> Json:
    if not isinstance(data, dict) or not isinstance(data.get("value"), str) or not data["value"]:
        raise ValueError("an option is an object with a non-empty string 'value'")
    return {k: v for k, v in data.items() if v is not None}


class AddOption(Change):
    """An option the tenant added to a select (or multiselect), after ``after``."""

    kind: Literal["add_option"] = "add_option"
    entity: Key
    field: FieldPath
    option: Json
    #: The value of the option it follows; None: first.
    after: str | None = None

    _normal = field_validator("option")(choice_json)

    @property
    def value(self) -> str:
        return str(self.option["value"])

    @property
    def target(self) -> str:
        return f"{field_path(self.entity, self.field)}={self.value}"

    def describe(self) -> str:
        return f"add the option {self.value!r} to {field_path(self.entity, self.field)}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        field = doc.field(self.entity, self.field)
        if field is None:
            return missing(f"the field {field_path(self.entity, self.field)}")
        options = field.get("options")
        if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
            return conflict(
                "not_a_choice",
                f"{field_path(self.entity, self.field)} is now a {field.get('type')} field "
                "without a list of options",
            )
        for i, existing in enumerate(options):
            if option_value(existing) != self.value:
                continue
            if existing == self.option:
                return redundant("the template now has the very same option")
            if not keep:
                return conflict(
                    "exists_in_template",
                    f"the template now has an option {self.value!r} of its own; "
                    "keep the tenant's or drop it",
                    can_keep=True,
                )
            options[i] = copy.deepcopy(self.option)
            return Outcome("kept", "the tenant's option replaces the template's")
        placed = insert_after(options, copy.deepcopy(self.option), self.after, option_value)
        return applied(None if placed else f"{self.after!r} is gone: the option is placed last")
