"""The filter language as data: a typed tree parsed once at the boundary.

A filter is one node, and a node is either a condition or a group::

    {"field": "stage", "op": "in", "value": ["won", "lost"]}
    {"and": [node, ...]}
    {"or": [node, ...]}

The parser checks only the shape (and the limits below); whether a field
exists and an operator suits it is checked against the entity by
``compiler.bind_filter``. Errors name JSON paths from the root ``filter``:
``filter.and[1].or[0].op``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from engine.forms.errors import FieldError, QueryInvalid
from engine.forms.validation import unstorable_text
from engine.i18n import Message

#: Longer filters are refused before parsing: proxies drop such URLs anyway.
MAX_FILTER_CHARS = 10_000
#: Groups nested deeper than this are refused (``{"and": [{"or": [...]}]}`` is depth 2).
MAX_DEPTH = 5
#: Conditions in one filter, counted over all groups.
MAX_CONDITIONS = 50
#: Nodes (groups and conditions) in one filter: checked as each node is met,
#: so a wide tree is refused before it is walked.
MAX_NODES = 200
#: JSON nesting (objects and lists) of the filter text, checked before decoding:
#: Python's json module recurses per level and raises RecursionError near 1,000.
MAX_JSON_NESTING = 32

CONDITION_KEYS = ("field", "op", "value")


class Condition(BaseModel):
    """``{"field": "customer.industry", "op": "eq", "value": "retail"}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: A field key, a system column, or ``link.field`` (one hop through a link field).
    field: str = Field(min_length=1, max_length=100)
    #: A registered operator key (``eq``, ``contains``, …).
    op: str = Field(min_length=1, max_length=40)
    #: The operand; its shape depends on the operator (one value, a list, two bounds).
    value: JsonValue = None


class QueryParamCondition(Condition):
    """An equality from a plain query parameter (``?stage=won``).

    Its value is always text, so it is parsed by the field type's
    ``parse_query`` rather than coerced as a JSON value.
    """

    value: str


class Group(BaseModel):
    """``{"and": [...]}`` or ``{"or": [...]}``: every item, or at least one, must hold."""

    model_config = ConfigDict(frozen=True)

    conjunction: Literal["and", "or"]
    items: tuple[FilterNode, ...] = Field(min_length=1)

    def to_json(self) -> dict[str, Any]:
        return {self.conjunction: [node_json(item) for item in self.items]}


FilterNode = Condition | Group
Group.model_rebuild()


def node_json(node: FilterNode) -> dict[str, Any]:
    """The wire shape of a node (what ``parse_filter`` accepts)."""
    if isinstance(node, Group):
        return node.to_json()
    return node.model_dump()


_PYDANTIC_MESSAGES = {
    "missing": "value.required",
    "extra_forbidden": "filter.not_a_condition_key",
    "string_type": "value.text",
    "string_too_short": "filter.not_empty",
    "string_too_long": "filter.max_chars",
}


class _Parser:
    def __init__(self, root: str) -> None:
        self.root = root
        self.errors: list[FieldError] = []
        self.conditions = 0
        self.nodes = 0

    def node(self, raw: Any, path: str, depth: int) -> FilterNode | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.errors.append(
                    FieldError(self.root, Message("filter.too_many_parts", max=MAX_NODES))
                )
            return None
        if not isinstance(raw, dict):
            self.errors.append(FieldError(path, Message("filter.shape")))
            return None
        if "and" in raw or "or" in raw:
            if len(raw) != 1:
                self.errors.append(FieldError(path, Message("filter.group_one_key")))
                return None
            key: Literal["and", "or"] = "and" if "and" in raw else "or"
            return self.group(key, raw[key], f"{path}.{key}", depth + 1)
        return self.condition(raw, path)

    def group(
        self, conjunction: Literal["and", "or"], raw: Any, path: str, depth: int
    ) -> FilterNode | None:
        if depth > MAX_DEPTH:
            self.errors.append(FieldError(path, Message("filter.too_deep", max=MAX_DEPTH)))
            return None
        if not isinstance(raw, list) or not raw:
            self.errors.append(FieldError(path, Message("filter.group_list")))
            return None
        items = [self.node(item, f"{path}[{i}]", depth) for i, item in enumerate(raw)]
        kept = tuple(item for item in items if item is not None)
        if len(kept) != len(items):
            return None
        return Group(conjunction=conjunction, items=kept)

    def condition(self, raw: dict[str, Any], path: str) -> Condition | None:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.errors.append(
                FieldError(self.root, Message("filter.too_many_conditions", max=MAX_CONDITIONS))
            )
        try:
            condition = Condition.model_validate(raw)
        except ValidationError as err:
            for problem in err.errors():
                where = "".join(f".{part}" for part in problem["loc"])
                key = _PYDANTIC_MESSAGES.get(problem["type"])
                limit = problem.get("ctx", {}).get("max_length")
                message = problem["msg"] if key is None else Message(key, max=limit)
                self.errors.append(FieldError(path + where, message))
            return None
        # A NUL or a lone surrogate cannot be compared with a column: PostgreSQL
        # refuses NUL, and no driver can encode a lone surrogate (a 500 otherwise).
        unstorable = unstorable_text(condition.value)
        if unstorable is not None:
            self.errors.append(FieldError(f"{path}.value", unstorable))
            return None
        return condition


def parse_filter(text: str | None) -> FilterNode | None:
    """Parse the ``filter`` query parameter (JSON text) into a tree.

    ``None`` or an empty string means no filter. Raises ``RecordInvalid``
    naming every malformed part by its path.
    """
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_CHARS:
        raise QueryInvalid(
            [FieldError("filter", Message("filter.max_chars", max=MAX_FILTER_CHARS))]
        )
    if json_nesting(text) > MAX_JSON_NESTING:
        raise QueryInvalid(
            [FieldError("filter", Message("filter.json_nesting", max=MAX_JSON_NESTING))]
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        message = Message("filter.json_invalid", reason=err.msg, line=err.lineno, column=err.colno)
        raise QueryInvalid([FieldError("filter", message)]) from None
    return filter_from_json(raw)


def json_nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON text, found without recursion.

    Brackets inside strings do not count; the text need not be valid JSON
    (decoding reports that afterwards).
    """
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def filter_from_json(raw: Any, path: str = "filter") -> FilterNode:
    """Check the shape of an already-decoded filter (a saved view, a request body)."""
    parser = _Parser(path)
    node = parser.node(raw, path, 0)
    if parser.errors or node is None:
        raise QueryInvalid(parser.errors)
    return node


def equality_conditions(params: Mapping[str, str]) -> dict[str, QueryParamCondition]:
    """``?stage=won&customer.industry=retail``: one equality per query parameter.

    Built without validation: a parameter name that is no field is reported
    by ``bind`` as an unknown field, under the parameter's own name.
    """
    return {
        key: QueryParamCondition.model_construct(field=key, op="eq", value=text)
        for key, text in params.items()
    }
