"""Transfer (转移): hand an owned record over to someone else; the new owner is the input.

The counterpart of assign for records that have an owner: where owners are
read-only to reps (the CRM template), changing one goes through an action
whose rules hold — who may (``roles``, the update scope), and, when the
action names a pool, the new owner's ``max_open_per_user`` for a record that
counts towards it. A record in the pool is assigned, not transferred.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import ColumnElement, or_

from engine.actions.base import ActionResult, ActionType, input_spec, take_inputs, write_record
from engine.actions.checks import CheckContext, Issue
from engine.actions.context import ActionContext, RecordState
from engine.actions.errors import ActionUnavailable
from engine.actions.pools import Pool, check_capacity, lock_user, pool, sees
from engine.actions.values import check_values, resolve_map
from engine.definition import TransferAction
from engine.forms import (
    EntityRuntime,
    FieldError,
    RecordInvalid,
    RecordNotFound,
    StaleVersion,
    label_of,
    owner_key,
)
from engine.i18n import Message


def _pool(ctx: ActionContext, action: TransferAction) -> Pool | None:
    return None if action.pool is None else pool(ctx.app, action.pool)


def _owner_key(ctx: ActionContext, action: TransferAction) -> str:
    target = _pool(ctx, action)
    if target is not None:
        return target.owner_key
    return owner_key(ctx.app.entities[action.entity].defn)


class TransferType(ActionType[TransferAction]):
    key = "transfer"
    label = {"zh-CN": "转移", "en": "Transfer"}
    Config = TransferAction

    def check(self, action: TransferAction, ctx: CheckContext, path: str) -> Iterator[Issue]:
        entity = ctx.entity(action.entity)
        entity_defn = ctx.app.entity(action.entity)
        if entity is None or entity_defn is None:
            return
        owner = owner_key(entity_defn)
        if action.pool is not None:
            defn = ctx.pool(action.pool)
            if defn is None:
                yield f"{path}.pool", f"unknown pool {action.pool!r}"
                return
            if defn.entity != action.entity:
                yield (
                    f"{path}.pool",
                    f"pool {action.pool!r} holds {defn.entity} records, not {action.entity}",
                )
                return
            owner = defn.owner_field or owner
        bound = entity.fields.get(owner)
        if bound is None or bound.defn.type != "user":
            yield f"{path}.entity", f"{action.entity} has no owner field to transfer ({owner!r})"
            return
        yield from check_values(
            action.set, entity, entity, {"record": action.entity}, f"{path}.set"
        )
        if owner in action.set:
            yield f"{path}.set.{owner}", "the transfer writes the owner itself"

    def reach(
        self, ctx: ActionContext, action: TransferAction, entity: EntityRuntime
    ) -> ColumnElement[bool] | None:
        # A record of the pool the user sees answers "not transferable" (409),
        # not "not found": they see it, so it exists for them.
        within = super().reach(ctx, action, entity)
        target = _pool(ctx, action)
        if within is None or target is None or not sees(ctx.user, ctx.roles, target):
            return within
        return or_(within, target.condition(ctx.eval_context()))

    def allowed(self, ctx: ActionContext, action: TransferAction, record: RecordState) -> None:
        # An ownerless record is no one's to hand over: say so before the
        # update scope, which an ownerless record is outside of for most.
        if record.values.get(_owner_key(ctx, action)) is None:
            raise ActionUnavailable(
                Message("action.no_owner_to_transfer", entity=label_of(record.entity))
            )
        super().allowed(ctx, action, record)

    def inputs(self, ctx: ActionContext, action: TransferAction) -> list[dict[str, Any]]:
        owner = _owner_key(ctx, action)
        return [input_spec(action.entity, owner, required=True), *super().inputs(ctx, action)]

    def run(
        self,
        ctx: ActionContext,
        action: TransferAction,
        record: RecordState,
        params: Mapping[str, Any],
    ) -> ActionResult:
        owner = _owner_key(ctx, action)
        noun = label_of(record.entity)
        current = record.values.get(owner)
        inputs = take_inputs(ctx, record.entity, [owner, *action.input], params)
        receiver = inputs.pop(owner, None)
        if isinstance(receiver, bool) or not isinstance(receiver, int):
            raise RecordInvalid([FieldError(owner, Message("action.assignee_required"))])
        if receiver == current:
            message = Message("action.owns_already", id=receiver, entity=noun)
            raise RecordInvalid([FieldError(owner, message)])
        if not lock_user(ctx, receiver):
            raise RecordInvalid([FieldError(owner, Message("action.no_assignee", id=receiver))])
        target = _pool(ctx, action)
        if target is not None and target.is_open(record.values, ctx.eval_context()):
            check_capacity(ctx, target, receiver, Message("action.capacity_user", id=receiver))
        values, errors = resolve_map(action.set, record, {"record": record.id}, ctx.eval_context())
        if errors:
            raise RecordInvalid(errors)
        values[owner] = receiver
        column = record.entity.table.c[owner]
        try:
            written = write_record(
                ctx, record, values | inputs, scope=column == current, typed=inputs
            )
        except (RecordNotFound, StaleVersion):
            raise ActionUnavailable(Message("action.changed_hands", entity=noun)) from None
        return ActionResult(record=written)


__all__ = ["TransferType"]
