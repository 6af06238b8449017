"""Cascading choices (category → sub-category → …) from an options tree.

The value is the list of option values along the path from the top level,
``["electronics", "phones"]``, stored as JSON and checked against the tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from sqlalchemy import ColumnElement, and_
from sqlalchemy.types import TypeEngine

from engine.definition import Label
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType, Options
from engine.i18n import LANGUAGES, Message, label_in
from engine.store.types import JSONType

MAX_DEPTH = 6
MAX_NODES = 5000


class CascadeOption(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(min_length=1, max_length=64)
    label: Label | None = None
    children: list[CascadeOption] = Field(default_factory=list)


def _walk(
    nodes: Sequence[CascadeOption], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], CascadeOption]]:
    for node in nodes:
        yield (*path, node.value), node
        yield from _walk(node.children, (*path, node.value))


class CascadeOptions(Options):
    options: list[CascadeOption] = Field(
        min_length=1,
        description="The options tree: `[{value, label, children: [...]}]`, "
        f"at most {MAX_DEPTH} levels and {MAX_NODES} options.",
    )
    require_leaf: bool = Field(
        default=True,
        description="Whether a value must go down to an option without children.",
    )
    #: Every path of the tree → whether its option has children; built once.
    _paths: dict[tuple[str, ...], bool] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def bounded(self) -> CascadeOptions:
        for count, (path, node) in enumerate(_walk(self.options), start=1):
            if count > MAX_NODES:
                raise ValueError(f"the options tree has more than {MAX_NODES} options")
            if len(path) > MAX_DEPTH:
                raise ValueError(f"the options tree is deeper than {MAX_DEPTH} levels")
            self._paths[path] = bool(node.children)
        return self

    def path_names(self, path: Sequence[str]) -> dict[str, str]:
        """A path of the tree as a person reads it, "Hardware / phones": each
        option by its label in each language (its value where it has none)."""
        nodes: Sequence[CascadeOption] = self.options
        chosen: list[CascadeOption] = []
        for value in path:
            node = next((n for n in nodes if n.value == value), None)
            if node is None:
                break
            chosen.append(node)
            nodes = node.children

        def name(node: CascadeOption, lang: str) -> str:
            return (label_in(node.label, lang) if node.label else "") or node.value

        return {lang: " / ".join(name(n, lang) for n in chosen) for lang in LANGUAGES}

    def depth(self) -> int:
        return max(len(path) for path in self._paths)

    def has_children(self, path: tuple[str, ...]) -> bool | None:
        """None when ``path`` is not a path of the tree."""
        return self._paths.get(path)


def check_path(value: Any, options: CascadeOptions, *, prefix: bool) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise FieldInvalid(Message("value.cascade"))
    if len(value) > MAX_DEPTH:
        raise FieldInvalid(Message("value.max_levels", max=MAX_DEPTH))
    for depth in range(1, len(value) + 1):
        if options.has_children(tuple(value[:depth])) is None:
            chosen = repr(value[depth - 1])
            if depth == 1:
                raise FieldInvalid(Message("value.not_an_option_top", value=chosen))
            parent = options.path_names(value[: depth - 1])
            raise FieldInvalid(Message("value.not_an_option_under", value=chosen, parent=parent))
    if not prefix and options.require_leaf and options.has_children(tuple(value)):
        raise FieldInvalid(Message("value.cascade_leaf", path=options.path_names(value)))
    return list(value)


def prefix_condition(column: ColumnElement[Any], path: Sequence[str]) -> ColumnElement[bool]:
    """SQL for "the stored path starts with ``path``", the same on SQLite and PostgreSQL.

    For a ``starts_with`` filter: the equality filter of the records API
    (``parse_query``) matches one whole path.
    """
    return and_(*(column[i].as_string() == v for i, v in enumerate(path)))


def _duplicates(nodes: Sequence[CascadeOption], base: str) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        if node.value in seen:
            yield f"{base}[{i}].value", f"duplicate option {node.value!r} at this level"
        seen.add(node.value)
        yield from _duplicates(node.children, f"{base}[{i}].children")


class CascadeType(FieldType):
    key = "cascade"
    label = {"zh-CN": "级联选择", "en": "Cascade"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = True
    cell = "json"
    wire = 'a list of option values along the path from the top level, e.g. `["a", "a1"]`'
    example = Example(
        ["electronics", "phones"],
        {
            "options": [
                {
                    "value": "electronics",
                    "label": {"zh-CN": "电子产品", "en": "Electronics"},
                    "children": [
                        {"value": "phones", "label": {"zh-CN": "手机", "en": "Phones"}},
                        {"value": "laptops", "label": {"zh-CN": "笔记本", "en": "Laptops"}},
                    ],
                },
                {"value": "services", "label": {"zh-CN": "服务", "en": "Services"}},
            ]
        },
    )
    Options = CascadeOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_path(value, field.options, prefix=False)

    def parse_query(self, text: str, field: BoundField) -> Any:
        """A whole path as ``a,b`` or as a JSON list ``["a","b"]`` (for values with commas)."""
        try:
            value = json.loads(text) if text.startswith("[") else text.split(",")
        except ValueError:
            raise FieldInvalid(Message("value.cascade_text")) from None
        return check_path(value, field.options, prefix=True)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "maxItems": field.options.depth(),
            "x-cascade": True,
        }

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        yield from _duplicates(field.options.options, ".options")
        if field.defn.unique:
            yield ".unique", "a cascade field cannot be unique"
