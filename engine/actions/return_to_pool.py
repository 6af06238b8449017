"""Return to pool (退回公海): the owner (or their manager) gives an open record back.

The owner field is cleared, the reason (``return_to_pool.reason_field`` of
the pool) is the user's input, and the pool's ``return_to_pool.set`` is
written, as the automatic return (``engine.actions.stale``) does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.actions.base import ActionResult, ActionType, input_spec, take_inputs, write_record
from engine.actions.checks import CheckContext, Issue
from engine.actions.context import ActionContext, RecordState
from engine.actions.errors import ActionUnavailable
from engine.actions.pools import check_pool_ref, entering_values, pool
from engine.definition import ReturnToPoolAction
from engine.forms import AccessDenied, FieldError, RecordInvalid, is_blank, label_of
from engine.i18n import Message


class ReturnToPoolType(ActionType[ReturnToPoolAction]):
    key = "return_to_pool"
    label = {"zh-CN": "退回公海", "en": "Return to pool"}
    Config = ReturnToPoolAction

    def check(self, action: ReturnToPoolAction, ctx: CheckContext, path: str) -> Iterator[Issue]:
        yield from check_pool_ref(action, ctx, path)

    def allowed(self, ctx: ActionContext, action: ReturnToPoolAction, record: RecordState) -> None:
        target = pool(ctx.app, action.pool)
        if not ctx.holds(target.defn.return_to_pool.roles):
            raise AccessDenied(Message("action.pool_return_denied", pool=label_of(target)))
        super().allowed(ctx, action, record)
        noun = label_of(record.entity)
        if record.values.get(target.owner_key) is None:
            raise ActionUnavailable(Message("action.no_owner", entity=noun))
        if not target.is_open(record.values, ctx.eval_context()):
            raise ActionUnavailable(Message("action.closed", entity=noun))

    def inputs(self, ctx: ActionContext, action: ReturnToPoolAction) -> list[dict[str, Any]]:
        rule = pool(ctx.app, action.pool).defn.return_to_pool
        reason = (
            [input_spec(action.entity, rule.reason_field, rule.reason_required)]
            if rule.reason_field is not None
            else []
        )
        return reason + [s for s in super().inputs(ctx, action) if s["field"] != rule.reason_field]

    def run(
        self,
        ctx: ActionContext,
        action: ReturnToPoolAction,
        record: RecordState,
        params: Mapping[str, Any],
    ) -> ActionResult:
        target = pool(ctx.app, action.pool)
        rule = target.defn.return_to_pool
        allowed = [*action.input]
        if rule.reason_field is not None and rule.reason_field not in allowed:
            allowed.append(rule.reason_field)
        inputs = take_inputs(ctx, record.entity, allowed, params)
        reason = inputs.pop(rule.reason_field, None) if rule.reason_field else None
        if rule.reason_required and is_blank(reason):
            assert rule.reason_field is not None
            raise RecordInvalid([FieldError(rule.reason_field, Message("action.reason_required"))])
        values = entering_values(ctx, target, record, reason)
        return ActionResult(record=write_record(ctx, record, values | inputs, typed=inputs))
