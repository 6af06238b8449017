"""The action-type registry: every ``type`` an action may have, registered once.

``check_actions`` is the publish-time check of ``AppDefinition.actions``
(called by ``builder.validate``): what every action shares, then its type's
own ``check``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.actions.assign import AssignType
from engine.actions.base import ActionType
from engine.actions.checks import CheckContext, Issue, check_condition, check_inputs, check_roles
from engine.actions.claim import ClaimType
from engine.actions.convert import ConvertType
from engine.actions.return_to_pool import ReturnToPoolType
from engine.actions.set_fields import SetFieldsType
from engine.actions.transfer import TransferType
from engine.definition import AppDefinition
from engine.registry import Registry

action_types: Registry[ActionType[Any]] = Registry("action type")

BUILTINS: tuple[type[ActionType[Any]], ...] = (
    ConvertType,
    ClaimType,
    AssignType,
    ReturnToPoolType,
    TransferType,
    SetFieldsType,
)


def register_builtins() -> None:
    for cls in BUILTINS:
        action_types.register(cls.key, cls())


def check_actions(app: AppDefinition, ctx: CheckContext | None = None) -> Iterator[Issue]:
    """Every problem of ``app.actions``, each with its JSON path."""
    ctx = ctx or CheckContext(app)
    names = [f"{a.entity}.{a.key}" for a in app.actions]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield "$.actions", f"duplicate action {name!r}"
    for i, action in enumerate(app.actions):
        path = f"$.actions[{i}]"
        entity = ctx.entity(action.entity)
        if entity is None:
            yield f"{path}.entity", f"unknown entity {action.entity!r}"
            continue
        yield from check_condition(action.when, entity, f"{path}.when")
        yield from check_roles(action.roles, ctx, f"{path}.roles")
        yield from check_inputs(action.input, entity, f"{path}.input")
        yield from action_types.get(action.type).check(action, ctx, path)


register_builtins()

__all__ = ["BUILTINS", "action_types", "check_actions", "register_builtins"]
