"""Every language's table of messages, by language tag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from engine.i18n import en, zh_cn
from engine.i18n.languages import EN, ZH_CN

CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = {EN: en.TEXTS, ZH_CN: zh_cn.TEXTS}

__all__ = ["CATALOGUES"]
