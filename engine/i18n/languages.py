"""The languages messages are written in, and which one a request asks for."""

from __future__ import annotations

from typing import Final

#: The languages every message has a text in (``catalogue`` checks it).
EN: Final = "en"
ZH_CN: Final = "zh-CN"
LANGUAGES: Final[tuple[str, ...]] = (EN, ZH_CN)
#: Without an ``Accept-Language`` that prefers Chinese, answers are English:
#: API clients and scripts read English, and the web app always says its language.
DEFAULT: Final = EN

#: At most this many language ranges of one header are looked at (a header is
#: the caller's input; a 10,000-item list must not cost a sort).
MAX_RANGES: Final = 20


def _supported(tag: str) -> str | None:
    primary = tag.strip().lower().split("-", 1)[0]
    if primary == "zh":
        return ZH_CN
    if primary == "en":
        return EN
    return None


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def negotiate(header: str | None) -> str:
    """The supported language an ``Accept-Language`` header prefers (RFC 9110 §12.5.4).

    ``zh``, ``zh-CN``, ``zh-Hans``… all read Chinese; ``*`` and unknown
    languages fall to the next range, and to ``DEFAULT`` at the end. Ties keep
    the header's order.
    """
    if not header:
        return DEFAULT
    best, best_q = DEFAULT, 0.0
    for item in header.split(",")[:MAX_RANGES]:
        tag, *params = item.split(";")
        lang = _supported(tag)
        if lang is None:
            continue
        q = _quality(params)
        if q > best_q:
            best, best_q = lang, q
    return best


__all__ = ["DEFAULT", "EN", "LANGUAGES", "MAX_RANGES", "ZH_CN", "negotiate"]
