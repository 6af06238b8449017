"""Every message has a text in every language, with the same parameters."""

from __future__ import annotations

import pickle
import string

import pytest

from engine.i18n import CATALOGUES, EN, LANGUAGES, ZH_CN, Message, negotiate, translate


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != EN])
def test_every_message_has_a_translation_with_the_same_parameters(lang: str) -> None:
    english, other = CATALOGUES[EN], CATALOGUES[lang]
    assert sorted(set(english) - set(other)) == [], f"untranslated in {lang}"
    assert sorted(set(other) - set(english)) == [], f"not in English, so never raised: {lang}"
    differing = {
        k: (english[k], other[k]) for k in english if _fields(english[k]) != _fields(other[k])
    }
    assert differing == {}


def test_chinese_texts_are_not_english_copies() -> None:
    # A text copied without translating reads English in the Chinese UI.
    copies = [k for k, text in CATALOGUES[ZH_CN].items() if text == CATALOGUES[EN][k]]
    assert copies == []


def test_a_message_is_its_english_text_and_translates_with_its_parameters() -> None:
    label = {"zh-CN": "客户名称", "en": "Customer name"}
    message = Message("problem.labelled", label=label, message=Message("value.required"))
    assert message == "Customer name: is required"
    assert translate(message, ZH_CN) == "客户名称：必填"
    assert translate("a plain text", ZH_CN) == "a plain text"
    again = pickle.loads(pickle.dumps(message))
    assert isinstance(again, Message) and translate(again, ZH_CN) == "客户名称：必填"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, EN),
        ("", EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH_CN),
        ("zh", ZH_CN),
        ("zh-Hans-CN", ZH_CN),
        ("en-US,en;q=0.9,zh-CN;q=0.5", EN),
        ("fr-FR, zh;q=0.4", ZH_CN),
        ("fr, de", EN),
        ("zh;q=bad, en;q=0.1", EN),
    ],
)
def test_accept_language_picks_the_preferred_supported_language(
    header: str | None, lang: str
) -> None:
    assert negotiate(header) == lang
