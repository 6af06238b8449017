"""Rules (automations): when something happens to a record, do these things.

A rule names its ``entity``, a ``trigger`` (what happens: ``created``,
``updated``, ``field_changed``, ``date``, ``schedule``…), an optional
``when`` condition in the expression language, and a list of ``effects``
(``set_fields``, ``create_record``, ``notify``, ``email``, ``webhook``…).

Triggers and effects are kept here as their ``on``/``type`` key plus their
own settings, unparsed: each trigger and effect is one registered class of
the rule engine (``engine/rules/triggers``, ``engine/rules/effects``) that
owns its settings model, its checks and its catalogue entry, as field types
own their options. docs/rules.md lists them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from engine.definition.common import HelpText, Key, Label, Strict

#: Rules of one app, and effects of one rule.
MAX_RULES = 300
MAX_EFFECTS = 20
#: Characters of one ``when`` condition.
MAX_CONDITION_CHARS = 4_000

Condition = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONDITION_CHARS)]


class _Open(BaseModel):
    """A section whose further settings belong to a registered class."""

    model_config = ConfigDict(extra="allow", frozen=True)


class TriggerDef(_Open):
    """``on`` picks the trigger class; the rest are that class's settings."""

    on: Key


class EffectDef(_Open):
    """``type`` picks the effect class; the rest are that class's settings."""

    type: Key


class RuleDef(Strict):
    key: Key
    label: Label | None = None
    description: HelpText | None = None
    #: The entity whose records trigger the rule.
    entity: Key
    enabled: bool = True
    trigger: TriggerDef
    #: Runs only when this is true of the record (``old.`` reads the values
    #: before an update).
    when: Condition | None = None
    effects: list[EffectDef] = Field(min_length=1, max_length=MAX_EFFECTS)


__all__ = [
    "MAX_CONDITION_CHARS",
    "MAX_EFFECTS",
    "MAX_RULES",
    "EffectDef",
    "RuleDef",
    "TriggerDef",
]
