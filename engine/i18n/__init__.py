"""Messages in the reader's language: a catalogue of keys, ``Message`` and ``translate``.

Engines raise ``Message("value.required")`` where they used to raise an
English sentence; the API picks the reader's language from
``Accept-Language`` (``negotiate``) and renders every message of a
problem+json in it, naming fields by their labels. Standard library only:
``engine.errors`` imports it, and every engine imports that.
"""

from __future__ import annotations

from engine.i18n.catalogue import CATALOGUES
from engine.i18n.languages import DEFAULT, EN, LANGUAGES, ZH_CN, negotiate
from engine.i18n.message import Message, label_in, text_in, translate

__all__ = [
    "CATALOGUES",
    "DEFAULT",
    "EN",
    "LANGUAGES",
    "ZH_CN",
    "Message",
    "label_in",
    "negotiate",
    "text_in",
    "translate",
]
