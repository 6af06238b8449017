"""The whole app definition: the root every engine is given."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from engine.definition.actions import ActionDef
from engine.definition.common import (
    MAX_ACTIONS,
    MAX_ENTITIES,
    MAX_FORMS,
    MAX_POOLS,
    MAX_ROLES,
    MAX_VIEWS,
    HelpText,
    Key,
    Label,
    Strict,
)
from engine.definition.entities import EntityDef
from engine.definition.forms import FormDef
from engine.definition.pools import PoolDef
from engine.definition.roles import RoleDef
from engine.definition.rules import MAX_RULES, RuleDef
from engine.definition.views import ViewDef


class AppDefinition(Strict):
    key: Key
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    label: Label | None = None
    description: HelpText | None = None
    entities: list[EntityDef] = Field(min_length=1, max_length=MAX_ENTITIES)
    forms: list[FormDef] = Field(default_factory=list, max_length=MAX_FORMS)
    views: list[ViewDef] = Field(default_factory=list, max_length=MAX_VIEWS)
    roles: list[RoleDef] = Field(default_factory=list, max_length=MAX_ROLES)
    #: Record actions: buttons on a record that the engine runs (docs/actions.md).
    actions: list[ActionDef] = Field(default_factory=list, max_length=MAX_ACTIONS)
    #: Pools of ownerless records with their claim and return rules.
    pools: list[PoolDef] = Field(default_factory=list, max_length=MAX_POOLS)
    #: Automations: a trigger, a condition and effects (docs/rules.md).
    rules: list[RuleDef] = Field(default_factory=list, max_length=MAX_RULES)

    def entity(self, key: str) -> EntityDef | None:
        return next((e for e in self.entities if e.key == key), None)

    def pool(self, key: str) -> PoolDef | None:
        return next((p for p in self.pools if p.key == key), None)

    def rule(self, key: str) -> RuleDef | None:
        return next((r for r in self.rules if r.key == key), None)
