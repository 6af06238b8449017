"""One choice from a list of options."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from engine.definition import Label
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.i18n import EN, ZH_CN, Message, label_in


class Choice(BaseModel):
    # Extra keys (probability of a stage, colour) are data for other engines.
    model_config = ConfigDict(extra="allow", frozen=True)

    # No control characters: PostgreSQL cannot store NUL in the JSONB definition.
    value: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    label: Label | None = None
    color: str | None = None


class SelectOptions(Options):
    options: list[Choice] = Field(min_length=1)
    display: str = Field(
        default="dropdown",
        pattern=r"^(dropdown|radio|checkbox)$",
        description="How the form presents the choices: a drop-down list (`dropdown`), "
        "radio buttons (`radio`) or check boxes (`checkbox`); the value is the same.",
    )

    def values(self) -> frozenset[str]:
        return frozenset(choice.value for choice in self.options)


#: How each language lists options in a sentence: "Website, Trade fair"; "官网、展会".
_SEPARATORS = {EN: ", ", ZH_CN: "、"}


def option_names(choices: Sequence[Choice]) -> dict[str, str]:
    """The options as a person reads them, in the order of the definition: a
    label per language (``Message`` parameters render it in the reader's),
    an option without a label by its value."""
    return {
        lang: separator.join(
            (label_in(c.label, lang) if c.label else "") or c.value for c in choices
        )
        for lang, separator in _SEPARATORS.items()
    }


def not_an_option(value: Any, choices: Sequence[Choice]) -> FieldInvalid:
    """The error "'tv' is not an option (allowed: Website, Trade fair)", options by label."""
    return FieldInvalid(
        Message("value.not_an_option", value=repr(value), allowed=option_names(choices))
    )


def check_choices(field: BoundField) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for i, choice in enumerate(field.options.options):
        if choice.value in seen:
            yield f".options[{i}].value", f"duplicate option {choice.value!r}"
        seen.add(choice.value)


class SelectType(FieldType):
    key = "select"
    label = {"zh-CN": "单选", "en": "Single select"}
    numeric = False
    sortable = True
    filter_kind = "choice"
    in_subtable = True
    cell = "choice"
    wire = "the `value` of one option, as a string"
    example = Example(
        "retail",
        {
            "options": [
                {"value": "retail", "label": {"zh-CN": "零售", "en": "Retail"}},
                {"value": "software", "label": {"zh-CN": "软件", "en": "Software"}},
            ],
            "display": "radio",
        },
    )
    Options = SelectOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(64)

    def coerce(self, value: Any, field: BoundField) -> Any:
        return self.coercer(field)(value)

    def coercer(self, field: BoundField) -> Callable[[Any], Any]:
        allowed = field.options.values()  # once per field, not once per value
        choices = field.options.options

        def coerce(value: Any) -> Any:
            if not isinstance(value, str):
                raise FieldInvalid(Message("value.one_of_options"))
            if value not in allowed:
                raise not_an_option(value, choices)
            return value

        return coerce

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "enum": [c.value for c in field.options.options]}

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        return check_choices(field)
