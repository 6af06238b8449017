"""The contract of triggers and effects: one registered class per ``on`` and per ``type``.

A **trigger** (``engine/rules/triggers``) says which record events start a
rule (``events``) and whether one of them does (``matches``); the date and
schedule triggers start rules from the clock instead (``clocked``). An
**effect** (``engine/rules/effects``) does one thing for a batch of runs:
a bulk create of 1,000 leads is one event, so an effect gets the 1,000 runs
at once and may write them in one statement (``run``).

Both own their settings model (``Config``, parsed from the rest of the
definition's ``trigger``/effect object), their publish-time checks
(``check``) and their catalogue entry (``key``, ``label``, ``description``,
``Config``'s JSON schema): the designer builds its forms from the catalogue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from engine.definition import SYSTEM_FIELDS, RuleDef
from engine.expressions import EvalContext, Expression
from engine.forms import AppRuntime, EntityRuntime, RecordEvent, WriteContext

if TYPE_CHECKING:
    from engine.rules.compiled import CompiledRule

#: (JSON path, message): what a publish-time check reports.
Issue = tuple[str, str]
Text = Mapping[str, str]


class Settings(BaseModel):
    """The base of every trigger's and effect's ``Config``: strict and frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class CheckContext:
    """What a check knows: the app being published, the rule, where it sits."""

    app: AppRuntime
    rule: RuleDef
    #: ``$.rules[3]``
    path: str
    #: What the rule's expressions may read (fields, system columns, ``old.…``).
    names: frozenset[str]

    @property
    def entity(self) -> EntityRuntime:
        return self.app.entities[self.rule.entity]

    def entity_of(self, key: str) -> EntityRuntime | None:
        return self.app.entities.get(key)


def record_names(entity: EntityRuntime) -> frozenset[str]:
    """What an expression over a stored record reads: stored fields and system columns."""
    return frozenset({k for k, b in entity.fields.items() if b.type.stored} | set(SYSTEM_FIELDS))


@dataclass
class RuleRun:
    """One rule running for one record (or, for a schedule run ``once``, none)."""

    ctx: WriteContext
    rule: CompiledRule
    entity: EntityRuntime
    record_id: int | None
    #: The record's stored values as Python values, system columns included.
    values: Mapping[str, Any]
    #: The values before an update (the stored values with the changed ones
    #: put back); None for anything but an update.
    old: Mapping[str, Any] | None = None
    event: RecordEvent | None = None
    trigger: str = ""
    #: What each effect did, for the run log: ``{"type", "index", …}``.
    effects: list[dict[str, Any]] = field(default_factory=list)

    def scope(self) -> dict[str, Any]:
        """The names an expression of the rule reads, with their values."""
        names = dict(self.values)
        if self.record_id is not None:
            names["id"] = self.record_id
        if self.old is not None:
            for key, value in self.old.items():
                names[f"old.{key}"] = value
        return names

    def eval_context(self) -> EvalContext:
        return self.ctx.eval_context()

    def evaluate(self, expression: Expression, extra: Mapping[str, Any] | None = None) -> Any:
        scope = self.scope()
        if extra:
            scope.update(extra)
        return expression.evaluate(scope, self.eval_context())


class Trigger(ABC):
    key: ClassVar[str]
    label: ClassVar[Text]
    description: ClassVar[Text]
    Config: ClassVar[type[Settings]] = Settings
    #: The record events that may start it (exact types); empty for clocked triggers.
    events: ClassVar[tuple[type[RecordEvent], ...]] = ()
    #: Started by the clock (``date``, ``schedule``), not by a write.
    clocked: ClassVar[bool] = False
    #: ``old.<field>`` names are available to its expressions.
    sees_old: ClassVar[bool] = False

    def __init__(self, config: Settings) -> None:
        self.config = config

    def matches(self, event: RecordEvent) -> bool:
        """Whether this event (one of ``events``) starts the rule."""
        return True

    def check(self, cc: CheckContext) -> Iterator[Issue]:
        """Publish-time checks of its own settings (the shape is checked already)."""
        return iter(())


class Effect(ABC):
    key: ClassVar[str]
    label: ClassVar[Text]
    description: ClassVar[Text]
    Config: ClassVar[type[Settings]] = Settings
    #: Only enqueues work that leaves the machine (email, webhooks…).
    leaves_machine: ClassVar[bool] = False
    #: Needs a record to work on (not for a schedule run ``once``).
    needs_record: ClassVar[bool] = True

    def __init__(self, config: Settings, index: int) -> None:
        self.config = config
        self.index = index

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        """Publish-time checks of its settings; ``path`` is ``$.rules[i].effects[j]``."""
        return iter(())

    @abstractmethod
    def run(self, runs: Sequence[RuleRun]) -> None:
        """Do it for every run, in the runs' transaction; append to ``run.effects``."""

    def done(self, run: RuleRun, **details: Any) -> None:
        """Note in the run log what this effect did for ``run``."""
        run.effects.append({"index": self.index, "type": self.key, **details})


__all__ = [
    "CheckContext",
    "Effect",
    "Issue",
    "RuleRun",
    "Settings",
    "Text",
    "Trigger",
    "record_names",
]
