"""Assign (分配): give a record of the pool to someone; the new owner is the input.

The assignee's open records count against ``max_open_per_user`` like a
claim of their own; their user row is locked while they are counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement

from engine.actions.base import ActionResult, input_spec, take_inputs
from engine.actions.context import ActionContext, RecordState
from engine.actions.pools import (
    TakeFromPoolType,
    check_capacity,
    leaving_values,
    lock_user,
    not_in_pool,
    pool,
    sees,
    take_from_pool,
)
from engine.definition import AssignAction
from engine.forms import AccessDenied, EntityRuntime, FieldError, RecordInvalid, label_of
from engine.i18n import Message


class AssignType(TakeFromPoolType[AssignAction]):
    key = "assign"
    label = {"zh-CN": "分配", "en": "Assign"}
    Config = AssignAction

    def reach(
        self, ctx: ActionContext, action: AssignAction, entity: EntityRuntime
    ) -> ColumnElement[bool] | None:
        # Those who assign the pool's records reach them even where they do not see the pool.
        if ctx.holds(pool(ctx.app, action.pool).defn.assign.roles, empty_means_all=False):
            return None
        return super().reach(ctx, action, entity)

    def allowed(self, ctx: ActionContext, action: AssignAction, record: RecordState) -> None:
        target = pool(ctx.app, action.pool)
        if not ctx.holds(target.defn.assign.roles, empty_means_all=False):
            raise AccessDenied(Message("action.pool_assign_denied", pool=label_of(target)))
        if not sees(ctx.user, ctx.roles, target) and not ctx.unrestricted:
            raise AccessDenied(Message("action.pool_unseen", pool=label_of(target)))
        if not target.holds(record, ctx.eval_context()):
            raise not_in_pool(target, record, ctx)

    def inputs(self, ctx: ActionContext, action: AssignAction) -> list[dict[str, Any]]:
        owner = pool(ctx.app, action.pool).owner_key
        return [input_spec(action.entity, owner, required=True), *super().inputs(ctx, action)]

    def run(
        self,
        ctx: ActionContext,
        action: AssignAction,
        record: RecordState,
        params: Mapping[str, Any],
    ) -> ActionResult:
        target = pool(ctx.app, action.pool)
        owner_key = target.owner_key
        inputs = take_inputs(ctx, record.entity, [owner_key, *action.input], params)
        assignee = inputs.pop(owner_key, None)
        if isinstance(assignee, bool) or not isinstance(assignee, int):
            raise RecordInvalid([FieldError(owner_key, Message("action.assignee_required"))])
        if not lock_user(ctx, assignee):
            raise RecordInvalid([FieldError(owner_key, Message("action.no_assignee", id=assignee))])
        check_capacity(ctx, target, assignee, Message("action.capacity_user", id=assignee))
        values = leaving_values(ctx, target, record, assignee, target.defn.assign.set)
        return ActionResult(
            record=take_from_pool(ctx, target, record, values | inputs, typed=inputs)
        )
