"""A message as a key and its parameters, readable in every language of the catalogue.

An engine raises ``FieldInvalid(Message("value.required"))`` instead of an
English sentence. A ``Message`` *is* its English text (a ``str``), so logs,
``str(err)`` and code that compares or composes messages keep working; the
API boundary renders it again in the reader's language with ``translate``.
Parameters may be messages themselves, or labels (``{"zh-CN": "客户", "en":
"Customer"}``): both are rendered in the same language as the message.
A plain ``str`` is a text nobody has given a key yet: it stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.i18n.catalogue import CATALOGUES
from engine.i18n.languages import DEFAULT, EN


class Message(str):
    """A catalogued message; its ``str`` value is the English text."""

    key: str
    params: Mapping[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Message:
        # A key missing from the English table is a programming error: KeyError.
        self = super().__new__(cls, _render(CATALOGUES[EN][key], params, EN))
        self.key = key
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (job results): pickle the key, not the text.
        return (_rebuild, (self.key, dict(self.params)))

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {str.__repr__(self)})"


def _rebuild(key: str, params: dict[str, Any]) -> Message:
    return Message(key, **params)


def text_in(value: Any, lang: str) -> Any:
    """``value`` for a reader of ``lang``: messages translated, labels picked.

    Anything else is returned as it is, so a template's ``{max:g}`` still
    formats a number.
    """
    if isinstance(value, Message):
        return translate(value, lang)
    if isinstance(value, Mapping):
        return label_in(value, lang)
    return value


def label_in(label: Mapping[str, Any], lang: str) -> str:
    """A label's text in ``lang``: that language, else its base (``zh`` for
    ``zh-CN``), else English, else any text it has."""
    for candidate in (lang, lang.split("-", 1)[0], EN, DEFAULT):
        text = label.get(candidate)
        if text:
            return str(text)
    for text in label.values():
        if text:
            return str(text)
    return ""


def _render(template: str, params: Mapping[str, Any], lang: str) -> str:
    return template.format_map({name: text_in(v, lang) for name, v in params.items()})


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang``: a ``Message`` from that language's table (English
    where the table lacks it; a test keeps the tables complete), any other
    string unchanged."""
    if not isinstance(text, Message):
        return text
    table = CATALOGUES.get(lang) or CATALOGUES[EN]
    template = table.get(text.key)
    if template is None:
        template = CATALOGUES[EN][text.key]
        lang = EN
    return _render(template, text.params, lang)


__all__ = ["Message", "label_in", "text_in", "translate"]
