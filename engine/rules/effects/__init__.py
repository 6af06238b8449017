"""The effects of rules, one class each (docs/rules.md lists them)."""

from __future__ import annotations

from engine.rules.base import Effect
from engine.rules.effects.assign import Assign
from engine.rules.effects.notify import Notify
from engine.rules.effects.outbound import DingTalk, Email, Sms, Webhook, WeCom
from engine.rules.effects.writes import CreateRecord, SetFields, UpdateRecords

ALL_EFFECTS: tuple[type[Effect], ...] = (
    SetFields,
    CreateRecord,
    UpdateRecords,
    Assign,
    Notify,
    Email,
    Sms,
    Webhook,
    DingTalk,
    WeCom,
)

__all__ = ["ALL_EFFECTS"]
