"""pydantic's validation errors in the reader's language: one catalogued message per error type.

The API answers a request that fails its model (``api.problems``), and the
builder a definition that fails ``AppDefinition`` (``builder.validate``),
with the same messages: "must be text" / "必须是文本", each at the path of the
value. Standard library only, like the rest of ``engine.i18n``: an error is
pydantic's ``ErrorDetails`` as a plain mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.i18n.message import Message

#: pydantic's error types and the message each is said with; the ``ctx``
#: member it takes a limit from, and the message's parameter for it.
PYDANTIC_MESSAGES: Mapping[str, tuple[str, str | None, str | None]] = {
    "missing": ("request.missing", None, None),
    "int_parsing": ("request.integer", None, None),
    "int_type": ("request.integer", None, None),
    "int_from_float": ("request.integer", None, None),
    "float_parsing": ("request.number", None, None),
    "float_type": ("request.number", None, None),
    "decimal_parsing": ("request.number", None, None),
    "decimal_type": ("request.number", None, None),
    "finite_number": ("value.finite", None, None),
    "bool_parsing": ("request.boolean", None, None),
    "bool_type": ("request.boolean", None, None),
    "string_type": ("request.text", None, None),
    "string_unicode": ("request.text", None, None),
    "dict_type": ("request.object", None, None),
    "model_type": ("request.object", None, None),
    "model_attributes_type": ("request.object", None, None),
    "list_type": ("request.list", None, None),
    "tuple_type": ("request.list", None, None),
    "json_invalid": ("request.json", None, None),
    "extra_forbidden": ("request.extra", None, None),
    "greater_than_equal": ("request.at_least", "ge", "min"),
    "greater_than": ("request.greater_than", "gt", "min"),
    "less_than_equal": ("request.at_most", "le", "max"),
    "less_than": ("request.less_than", "lt", "max"),
    "string_too_short": ("request.min_chars", "min_length", "min"),
    "string_too_long": ("request.max_chars", "max_length", "max"),
    "too_short": ("request.min_items", "min_length", "min"),
    "too_long": ("request.max_items", "max_length", "max"),
    "literal_error": ("request.one_of", "expected", "allowed"),
    "enum": ("request.one_of", "expected", "allowed"),
    "date_parsing": ("request.date", None, None),
    "date_from_datetime_parsing": ("request.date", None, None),
    "date_from_datetime_inexact": ("request.date", None, None),
    "date_type": ("request.date", None, None),
    "datetime_parsing": ("request.datetime", None, None),
    "datetime_from_date_parsing": ("request.datetime", None, None),
    "datetime_type": ("request.datetime", None, None),
    "timezone_aware": ("request.timezone", None, None),
    "string_pattern_mismatch": ("request.pattern", None, None),
    "nul_character": ("request.nul", None, None),
    # Tagged unions (a view's or an action's ``type``): the tags it may have.
    "union_tag_invalid": ("request.one_of", "expected_tags", "allowed"),
    "union_tag_not_found": ("request.tag_missing", "discriminator", "tag"),
    # A validator's own sentence (English unless it raised a ``Message``).
    "value_error": ("request.invalid_value", "error", "reason"),
    "assertion_error": ("request.invalid_value", "error", "reason"),
}


def validation_message(error: Mapping[str, Any]) -> str:
    """pydantic's message for one error, as a catalogued ``Message`` where one says
    it (pydantic's own English text otherwise, e.g. a validator's sentence)."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Message):
        return cause.args[0]  # a validator raised a catalogued message
    known = PYDANTIC_MESSAGES.get(error["type"])
    if known is None:
        return str(error["msg"])
    key, member, param = known
    if member is None or param is None:
        return Message(key)
    value = ctx.get(member, "")
    # A validator's exception is said by its text (a message keeps its key).
    return Message(key, **{param: str(value) if isinstance(value, Exception) else value})


__all__ = ["PYDANTIC_MESSAGES", "validation_message"]
