"""Several choices from a list of options, stored as a JSON array."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import Field
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType
from engine.forms.field_types.select import SelectOptions, check_choices, not_an_option
from engine.i18n import Message
from engine.store.types import JSONType


class MultiselectOptions(SelectOptions):
    max_items: int | None = Field(default=None, ge=1)


class MultiselectType(FieldType):
    key = "multiselect"
    label = {"zh-CN": "多选", "en": "Multiple select"}
    numeric = False
    sortable = False
    filter_kind = "choices"
    in_subtable = True
    cell = "choices"
    wire = "a list of option values; read back in the order of the options"
    example = Example(
        ["vip", "key_account"],
        {"options": [{"value": "vip"}, {"value": "key_account"}], "display": "checkbox"},
    )
    Options = MultiselectOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        return self.coercer(field)(value)

    def coercer(self, field: BoundField) -> Callable[[Any], Any]:
        # Worked out once per field, not once per value.
        allowed = field.options.values()
        max_items = field.options.max_items
        # Stored in the order of the definition so equal sets compare equal.
        position = {c.value: i for i, c in enumerate(field.options.options)}

        def coerce(value: Any) -> Any:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise FieldInvalid(Message("value.list_of_options"))
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise not_an_option(unknown[0], field.options.options)
            if len(set(value)) != len(value):
                raise FieldInvalid(Message("value.option_repeated"))
            if max_items is not None and len(value) > max_items:
                raise FieldInvalid(Message("value.max_options", max=max_items))
            return sorted(value, key=position.__getitem__)

        return coerce

    def parse_query(self, text: str, field: BoundField) -> Any:
        return self.coerce([v for v in text.split(",") if v], field)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": [c.value for c in field.options.options]},
            "uniqueItems": True,
        }

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        return check_choices(field)
