"""Set fields: write fixed values, expressions and the user's input into the record.

The generic action ("mark as invalid", "close as lost"): whoever may update
the record (and holds one of ``roles``, if listed) may run it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.actions.base import ActionResult, ActionType, take_inputs, write_record
from engine.actions.checks import CheckContext, Issue
from engine.actions.context import ActionContext, RecordState
from engine.actions.values import check_values, resolve_map
from engine.definition import SetFieldsAction
from engine.forms import RecordInvalid


class SetFieldsType(ActionType[SetFieldsAction]):
    key = "set_fields"
    label = {"zh-CN": "修改字段", "en": "Set fields"}
    Config = SetFieldsAction

    def check(self, action: SetFieldsAction, ctx: CheckContext, path: str) -> Iterator[Issue]:
        entity = ctx.entity(action.entity)
        if entity is None:
            return
        if not action.set and not action.input:
            yield f"{path}.set", "give the fields to set, or inputs for the user to fill in"
        refs = {"record": action.entity}
        yield from check_values(action.set, entity, entity, refs, f"{path}.set")

    def run(
        self,
        ctx: ActionContext,
        action: SetFieldsAction,
        record: RecordState,
        params: Mapping[str, Any],
    ) -> ActionResult:
        inputs = take_inputs(ctx, record.entity, action.input, params)
        values, errors = resolve_map(action.set, record, {"record": record.id}, ctx.eval_context())
        if errors:
            raise RecordInvalid(errors)
        return ActionResult(record=write_record(ctx, record, values | inputs, typed=inputs))
