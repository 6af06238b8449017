"""An app's rules parsed once per published version: triggers, conditions, effects.

``rulebook(app)`` parses every enabled rule of the runtime's definition the
first time it is asked and keeps the result with the runtime (a published
version never changes), so a write costs a dict lookup to learn that no rule
listens to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from pydantic import ValidationError

from engine.definition import RuleDef
from engine.expressions import Expression, ExpressionError, compile_expression
from engine.forms import AppRuntime, RecordEvent, via_rule
from engine.registry import UnknownKeyError
from engine.rules import registry
from engine.rules.base import Effect, Settings, Trigger


@dataclass(frozen=True, eq=False)
class CompiledRule:
    definition: RuleDef
    trigger: Trigger
    when: Expression | None
    effects: tuple[Effect, ...]

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def entity(self) -> str:
        return self.definition.entity

    @property
    def via(self) -> str:
        """What the audit rows of the rule's writes say wrote them (``rule:<key>``)."""
        return via_rule(self.definition.key)


@dataclass(eq=False)
class Rulebook:
    """The enabled rules of one app version, by entity and by event type."""

    rules: tuple[CompiledRule, ...] = ()
    #: (entity, event type) → rules whose trigger listens to it.
    _listening: dict[tuple[str, type[RecordEvent]], list[CompiledRule]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def listening(self, entity: str, event: type[RecordEvent]) -> list[CompiledRule]:
        return self._listening.get((entity, event), [])

    def clocked(self, trigger_key: str) -> list[CompiledRule]:
        return [r for r in self.rules if r.trigger.key == trigger_key]

    def get(self, key: str) -> CompiledRule | None:
        return next((r for r in self.rules if r.key == key), None)


def settings_of(cls: type[Trigger] | type[Effect], raw: Mapping[str, Any] | None) -> Settings:
    """The class's ``Config`` from the definition object's other keys (ValidationError)."""
    return cls.Config.model_validate(dict(raw or {}))


def compile_rule(rule: RuleDef) -> CompiledRule:
    """One rule; raises ``UnknownKeyError``, ``ValidationError`` or ``ExpressionError``."""
    registry.register_builtins()
    trigger_cls = registry.triggers.get(rule.trigger.on)
    trigger = trigger_cls(settings_of(trigger_cls, rule.trigger.model_extra))
    when = compile_expression(rule.when) if rule.when else None
    effects = []
    for index, effect in enumerate(rule.effects):
        effect_cls = registry.effects.get(effect.type)
        effects.append(effect_cls(settings_of(effect_cls, effect.model_extra), index))
    return CompiledRule(rule, trigger, when, tuple(effects))


_BOOKS: WeakKeyDictionary[AppRuntime, Rulebook] = WeakKeyDictionary()


def rulebook(app: AppRuntime) -> Rulebook:
    """The enabled rules of this published version, parsed once."""
    book = _BOOKS.get(app)
    if book is None:
        book = _BOOKS[app] = _build(app)
    return book


def _build(app: AppRuntime) -> Rulebook:
    rules = []
    for definition in app.definition.rules:
        if not definition.enabled:
            continue
        try:
            rules.append(compile_rule(definition))
        except (UnknownKeyError, ValidationError, ExpressionError):
            # Publishing checks every rule; a version published before a
            # trigger or effect was removed keeps its other rules running.
            continue
    book = Rulebook(tuple(rules))
    for rule in rules:
        for event in type(rule.trigger).events:
            book._listening[(rule.entity, event)].append(rule)
    return book


__all__ = ["CompiledRule", "Rulebook", "compile_rule", "rulebook", "settings_of"]
