"""The triggers and effects by key, and their catalogue for the designer and the docs.

Filled by ``register_builtins()`` (called once by the engine's start-up
entry, ``engine.rules.hooks.register``); a new trigger or effect is one
class and one line here.
"""

from __future__ import annotations

from typing import Any

from engine.registry import Registry
from engine.rules.base import Effect, Trigger

triggers: Registry[type[Trigger]] = Registry("rule trigger")
effects: Registry[type[Effect]] = Registry("rule effect")


def register_builtins() -> None:
    """Register every built-in trigger and effect (once per process)."""
    if "created" in triggers:
        return
    from engine.rules.effects import ALL_EFFECTS
    from engine.rules.triggers import ALL_TRIGGERS

    for trigger in ALL_TRIGGERS:
        triggers.register(trigger.key, trigger)
    for effect in ALL_EFFECTS:
        effects.register(effect.key, effect)


def catalogue() -> dict[str, Any]:
    """Every trigger and effect with its labels and the JSON schema of its settings."""
    from engine.rules.recipients import Recipients

    register_builtins()
    return {
        "triggers": [
            {
                "key": key,
                "label": dict(cls.label),
                "description": dict(cls.description),
                "clocked": cls.clocked,
                "sees_old": cls.sees_old,
                "schema": cls.Config.model_json_schema(),
            }
            for key, cls in triggers.items()
        ],
        "effects": [
            {
                "key": key,
                "label": dict(cls.label),
                "description": dict(cls.description),
                "leaves_machine": cls.leaves_machine,
                "needs_record": cls.needs_record,
                "schema": cls.Config.model_json_schema(),
            }
            for key, cls in effects.items()
        ],
        "recipients": Recipients.model_json_schema(),
    }


__all__ = ["catalogue", "effects", "register_builtins", "triggers"]
