"""Claim (领取): take a record out of its pool; the user becomes its owner.

Race-safe: the runner locks the record's row before the checks, the claimer's
user row is locked while their open records are counted, and the write only
succeeds while the owner is still blank and the version unchanged. Of two
people claiming at once, one wins and the other gets 409.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.actions.base import ActionResult, take_inputs
from engine.actions.context import ActionContext, RecordState
from engine.actions.pools import (
    TakeFromPoolType,
    check_capacity,
    check_reclaim,
    leaving_values,
    lock_user,
    not_in_pool,
    pool,
    sees,
    take_from_pool,
)
from engine.definition import ClaimAction
from engine.forms import AccessDenied, label_of
from engine.i18n import Message


class ClaimType(TakeFromPoolType[ClaimAction]):
    key = "claim"
    label = {"zh-CN": "领取", "en": "Claim"}
    Config = ClaimAction

    def allowed(self, ctx: ActionContext, action: ClaimAction, record: RecordState) -> None:
        target = pool(ctx.app, action.pool)
        if ctx.user is None:
            raise AccessDenied(Message("action.person_only"))
        if not ctx.holds(target.defn.claim.roles) or not sees(ctx.user, ctx.roles, target):
            raise AccessDenied(Message("action.pool_denied", pool=label_of(target)))
        if not target.holds(record, ctx.eval_context()):
            raise not_in_pool(target, record, ctx)

    def run(
        self,
        ctx: ActionContext,
        action: ClaimAction,
        record: RecordState,
        params: Mapping[str, Any],
    ) -> ActionResult:
        target = pool(ctx.app, action.pool)
        inputs = take_inputs(ctx, record.entity, action.input, params)
        assert ctx.user is not None  # allowed() refuses the system
        lock_user(ctx, ctx.user.id)
        check_capacity(ctx, target, ctx.user.id, Message("action.capacity_you"))
        check_reclaim(ctx, target, record, ctx.user.id)
        values = leaving_values(ctx, target, record, ctx.user.id, target.defn.claim.set)
        return ActionResult(
            record=take_from_pool(ctx, target, record, values | inputs, typed=inputs)
        )
