"""Running record actions: which ones a user may run on a record, and running one.

A run, in this order:

1. the action is found by (entity, key) — ``UnknownAction`` (404);
2. the user must hold one of its ``roles``, if it lists any — ``AccessDenied`` (403);
3. the record must be within the type's reach (the user's read scope; pool
   viewers reach the pool's entity) — ``RecordNotFound`` (404), so that the
   existence of a record outside it does not leak;
4. the row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write
   transaction already serialises writers) and read afresh, so every check
   below sees the state the write will change;
5. the type's ``allowed`` (403, or 409 for the record's state) and the
   action's ``when`` (409);
6. the type's ``run``: every write through the records service;
7. an audit entry (``action = "action"``) naming the action and what it made.

The caller's unit of work then commits, or rolls all of it back. Nothing
here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from engine.actions.base import ActionResult, ActionType
from engine.actions.context import ActionContext, RecordState
from engine.actions.errors import ActionUnavailable, UnknownAction
from engine.actions.pools import visible_pool_records
from engine.actions.registry import action_types
from engine.definition import SYSTEM_FIELDS, ActionDef
from engine.expressions import ExpressionError, compile_expression
from engine.forms import (
    AccessDenied,
    ActionRan,
    AppRuntime,
    EntityRuntime,
    GuardedReads,
    RecordNotFound,
    as_shown,
    emit,
    get_record,
    label_of,
    noun_of,
    record_exists,
    via_action,
)
from engine.i18n import Message


def actions_of(app: AppRuntime, entity_key: str) -> list[ActionDef]:
    return [a for a in app.definition.actions if a.entity == entity_key]


def find_action(app: AppRuntime, entity_key: str, key: str) -> ActionDef:
    for action in actions_of(app, entity_key):
        if action.key == key:
            return action
    entity = app.entities.get(entity_key)
    raise UnknownAction(entity_key, key, None if entity is None else noun_of(entity))


def load_record(
    ctx: ActionContext, entity: EntityRuntime, record_id: int, *, lock: bool
) -> RecordState:
    """A live record's stored values; with ``lock`` its row stays locked until the end."""
    table = entity.table
    columns = [table.c[k] for k in SYSTEM_FIELDS] + [table.c[b.key] for b in entity.stored]
    query = select(*columns).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    if lock:
        query = query.with_for_update()
    row = ctx.conn.execute(query).first()
    if row is None:
        raise RecordNotFound.of(entity)
    values = dict(row._mapping)
    return RecordState(entity, record_id, int(values["version"]), values)


def _require_reach(
    ctx: ActionContext, entity: EntityRuntime, record_id: int, reach: ColumnElement[bool] | None
) -> None:
    if not record_exists(ctx.read_context(entity.key), entity, record_id, scope=reach):
        raise RecordNotFound.of(entity)


def _when(ctx: ActionContext, action: ActionDef, record: RecordState) -> bool:
    if action.when is None:
        return True
    try:
        return bool(compile_expression(action.when).evaluate(record.values, ctx.eval_context()))
    except ExpressionError:
        return False  # the user cannot fix the designer's condition: not offered


def _gate(
    ctx: ActionContext,
    kind: ActionType[Any],
    action: ActionDef,
    record: RecordState,
    shown: RecordState | None = None,
) -> None:
    if not ctx.holds(action.roles):
        raise AccessDenied(
            Message("action.denied", action=action.label, entity=label_of(record.entity))
        )
    kind.allowed(ctx, action, record)
    if not _when(ctx, action, shown or record):
        raise ActionUnavailable(
            Message("action.not_now", action=action.label, entity=label_of(record.entity))
        )


def available_actions(ctx: ActionContext, entity_key: str, record_id: int) -> list[dict[str, Any]]:
    """The actions this user may run on this record now, as a client offers them.

    A record the user cannot read (nor see in a pool) is not found. Limits
    that take a count (``max_open_per_user``) are checked when the action runs.
    """
    entity = ctx.entity(entity_key)
    access = ctx.access(entity.key)
    if access is not None and not access.unrestricted:
        reach = access.condition("read", entity.table)
        pooled = visible_pool_records(ctx.app, entity.key, ctx.user, ctx.roles, ctx.eval_context())
        if reach is not None and pooled is not None:
            reach = or_(reach, pooled)
        _require_reach(ctx, entity, record_id, reach)
    record = load_record(ctx, entity, record_id, lock=False)
    # What is offered must not answer a question about a field the user may not
    # see: ``when`` reads those as blank here; running the action checks them.
    shown = record
    if access is not None and access.hidden:
        values = as_shown(record.values, access.hidden)
        shown = RecordState(entity, record.id, record.version, values)
    offered = []
    for action in actions_of(ctx.app, entity.key):
        kind = action_types.get(action.type)
        try:
            _gate(ctx, kind, action, record, shown)
        except (AccessDenied, ActionUnavailable):
            continue
        offered.append(kind.describe(ctx, action, record))
    return offered


def run_action(
    ctx: ActionContext,
    entity_key: str,
    record_id: int,
    key: str,
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """Run one action on one record; answers the record as it is now and what was made.

    Raises ``UnknownAction`` (404), ``RecordNotFound`` (404), ``AccessDenied``
    (403), ``ActionUnavailable`` (409), ``RecordInvalid`` (422, naming fields
    of every record involved).
    """
    entity = ctx.entity(entity_key)
    action = find_action(ctx.app, entity.key, key)
    kind = action_types.get(action.type)
    if ctx.via is None:  # a bulk run names itself (``bulk:action:<key>``)
        ctx = replace(ctx, via=via_action(action.key))
    if not ctx.holds(action.roles):
        raise AccessDenied(Message("action.denied", action=action.label, entity=label_of(entity)))
    reach = kind.reach(ctx, action, entity)
    if reach is not None:
        _require_reach(ctx, entity, record_id, reach)
    try:
        record = load_record(ctx, entity, record_id, lock=True)
    except RecordNotFound:
        raise kind.missing(ctx, action, entity, record_id) from None
    _gate(ctx, kind, action, record)
    result = kind.run(ctx, action, record, params)
    _audit(ctx, action, record, result)
    return {
        "action": action.key,
        "type": action.type,
        "record": _answer(ctx, entity, record_id, result.record),
        **result.to_json(),
    }


def _audit(
    ctx: ActionContext, action: ActionDef, record: RecordState, result: ActionResult
) -> None:
    """Why the record changed: the field changes themselves are events of each write."""
    write = ctx.write_context(record.entity.key)
    event = ActionRan(
        **write.event_header(),
        record_id=record.id,
        action_key=action.key,
        action_type=action.type,
        detail=result.to_json(),
    )
    emit(write, event)


def _answer(
    ctx: ActionContext, entity: EntityRuntime, record_id: int, written: dict[str, Any] | None
) -> dict[str, Any]:
    """The record after the action, without what the user may not see.

    Not limited by the read scope: a lead the rep just returned to the pool
    is answered although it is no longer theirs.
    """
    record = (
        written
        if written is not None
        else get_record(ctx.read_context(entity.key), entity, record_id)
    )
    access = ctx.access(entity.key)
    if access is None:
        return record
    return GuardedReads(ctx.read_context(entity.key), entity, access).redact(record)


__all__ = ["actions_of", "available_actions", "find_action", "load_record", "run_action"]
