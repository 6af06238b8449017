"""The triggers of rules, one class each (docs/rules.md lists them)."""

from __future__ import annotations

from engine.rules.base import Trigger
from engine.rules.triggers.date import DateTrigger
from engine.rules.triggers.record import (
    ActionRanTrigger,
    Created,
    Deleted,
    FieldChanged,
    Restored,
    Updated,
)
from engine.rules.triggers.schedule import ScheduleTrigger

ALL_TRIGGERS: tuple[type[Trigger], ...] = (
    Created,
    Updated,
    FieldChanged,
    Deleted,
    Restored,
    ActionRanTrigger,
    DateTrigger,
    ScheduleTrigger,
)

__all__ = ["ALL_TRIGGERS"]
