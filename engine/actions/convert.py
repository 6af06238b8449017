"""Convert (转化): make records of other entities from this one, link them, update this one.

A lead becomes a customer, a contact and an opportunity: each ``step``
creates one record from a field mapping (``map``, see ``engine.actions.values``)
plus what the user fills in (``input``), can reuse an existing record instead
(``reuse_when_equal``: no duplicate customer), and later steps link to earlier
ones (``"customer": "$customer"``). Then records that linked to the converted
one can be relinked (its follow-ups now also belong to the new customer) and
the converted record is updated (``"status": "='converted'"``).

Every record goes through the records service (validation, defaults,
formulas, serial numbers, audit) in the caller's one transaction: if any
value is invalid, nothing is created and the 422 names the field as
``<step>.<field>`` (``contact.email``), ``record.<field>`` for the converted
record or ``<entity>#<id>.<field>`` for a relinked one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select

from engine.actions.base import (
    ActionResult,
    ActionType,
    input_spec,
    prefixed,
    take_inputs,
    typed_rules,
    write_record,
)
from engine.actions.checks import CheckContext, EntityFields, Issue, check_inputs
from engine.actions.context import ActionContext, RecordState
from engine.actions.errors import ActionUnavailable
from engine.actions.values import (
    Ref,
    check_value,
    check_values,
    parse_value,
    resolve,
    resolve_map,
)
from engine.definition import ConvertAction, ConvertStep, Relink
from engine.expressions import EvalContext, ExpressionError
from engine.forms import (
    ChildRows,
    EntityRuntime,
    FieldError,
    FieldInvalid,
    Generated,
    RecordInvalid,
    create_records,
    is_blank,
    label_of,
    update_record,
)
from engine.i18n import Message

#: The most records one relink may change (a lead with more follow-ups is refused).
RELINK_LIMIT = 1000
#: The params key of the converted record's own inputs (as in ``$record``).
RECORD = "record"


class ConvertType(ActionType[ConvertAction]):
    key = "convert"
    label = {"zh-CN": "转化", "en": "Convert"}
    Config = ConvertAction

    # -- publish time -----------------------------------------------------------------------
    def check(self, action: ConvertAction, ctx: CheckContext, path: str) -> Iterator[Issue]:
        source = ctx.entity(action.entity)
        if source is None:
            return
        refs = {RECORD: action.entity}
        keys = [step.key for step in action.steps]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            yield f"{path}.steps", f"duplicate step key {key!r}"
        for i, step in enumerate(action.steps):
            base = f"{path}.steps[{i}]"
            if step.key == RECORD:
                yield f"{base}.key", f"{RECORD!r} names the converted record itself"
            target = ctx.entity(step.entity)
            if target is None:
                yield f"{base}.entity", f"unknown entity {step.entity!r}"
                continue
            yield from check_values(step.map, target, source, refs, f"{base}.map")
            yield from check_inputs(step.input, target, f"{base}.input")
            yield from _check_match(step, target, source, refs, f"{base}.reuse_when_equal")
            yield from _check_required(step, target, ctx, base)
            refs[step.key] = step.entity
        yield from check_values(action.update, source, source, refs, f"{path}.update")
        for i, relink in enumerate(action.relink):
            yield from _check_relink(relink, action, source, refs, ctx, f"{path}.relink[{i}]")

    # -- run time ---------------------------------------------------------------------------
    def allowed(self, ctx: ActionContext, action: ConvertAction, record: RecordState) -> None:
        super().allowed(ctx, action, record)
        for step in action.steps:
            if not step.optional:
                ctx.require(step.entity, "create")

    def describe(
        self, ctx: ActionContext, action: ConvertAction, record: RecordState
    ) -> dict[str, Any]:
        described = super().describe(ctx, action, record)
        described["steps"] = [_describe_step(ctx, step, record) for step in action.steps]
        return described

    def run(
        self,
        ctx: ActionContext,
        action: ConvertAction,
        record: RecordState,
        params: Mapping[str, Any],
    ) -> ActionResult:
        given = _step_params(action, params)
        own = take_inputs(
            ctx, record.entity, action.input, given.pop(RECORD, None) or {}, "record."
        )
        evaluation = ctx.eval_context()
        refs: dict[str, int | None] = {RECORD: record.id}
        result = ActionResult()
        for step in action.steps:
            if step.key in given and given[step.key] is None:
                result.skipped.append(step.key)
                refs[step.key] = None
                continue
            target = ctx.entity(step.entity)
            ctx.require(step.entity, "create")
            inputs = take_inputs(ctx, target, step.input, given.get(step.key) or {}, f"{step.key}.")
            found = _find(ctx, target, step, record, refs, evaluation)
            if found is not None:
                result.reused[step.key] = refs[step.key] = found
                continue
            values, errors = resolve_map(step.map, record, refs, evaluation, f"{step.key}.")
            if errors:
                raise RecordInvalid(errors)
            try:
                (created,) = create_records(
                    ctx.write_context(step.entity),
                    target,
                    [values | inputs],
                    rules=typed_rules(target, inputs),
                    typed=inputs,
                )
            except RecordInvalid as err:
                raise prefixed(err, f"{step.key}.") from None
            result.created[step.key] = refs[step.key] = created
        for relink in action.relink:
            result.updated[relink.entity] = _relink(ctx, relink, record, refs, evaluation)
        values, errors = resolve_map(action.update, record, refs, evaluation, "record.")
        if errors:
            raise RecordInvalid(errors)
        if values or own:
            result.record = write_record(ctx, record, values | own, prefix="record.", typed=own)
        return result


def _step_params(action: ConvertAction, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{step: {field: value} | null, "record": {field: value}}``, checked (422)."""
    steps = {step.key: step for step in action.steps}
    errors = []
    for key, value in params.items():
        step = steps.get(key)
        if key != RECORD and step is None:
            errors.append(FieldError(key, Message("action.not_a_step")))
        elif value is None and (step is None or not step.optional):
            errors.append(FieldError(key, Message("action.step_required")))
        elif value is not None and not isinstance(value, dict):
            errors.append(FieldError(key, Message("action.step_values")))
    if errors:
        raise RecordInvalid(errors)
    return dict(params)


def _find(
    ctx: ActionContext,
    target: EntityRuntime,
    step: ConvertStep,
    record: RecordState,
    refs: Mapping[str, int | None],
    evaluation: EvalContext,
) -> int | None:
    """An existing record to use instead of a new one, within the user's read scope."""
    if not step.reuse_when_equal:
        return None
    table = target.table
    conditions: list[ColumnElement[bool]] = [table.c.deleted_at.is_(None)]
    for key, raw in step.reuse_when_equal.items():
        bound = target.fields[key]
        try:
            value = resolve(parse_value(raw), record, refs, evaluation)
            if is_blank(value):
                return None  # a blank never matches: no customer is "the one without a name"
            conditions.append(table.c[key] == bound.type.coerce(value, bound))
        except (ExpressionError, FieldInvalid):
            return None  # the creation reports what is wrong with the value
    access = ctx.access(target.key)
    scope = None if access is None else access.condition("read", table)
    if scope is not None:
        conditions.append(scope)
    query = select(table.c.id).where(*conditions).order_by(table.c.id).limit(1)
    found = ctx.conn.scalar(query)
    return None if found is None else int(found)


def _relink(
    ctx: ActionContext,
    relink: Relink,
    record: RecordState,
    refs: Mapping[str, int | None],
    evaluation: EvalContext,
) -> list[int]:
    entity = ctx.entity(relink.entity)
    values, errors = resolve_map(relink.set, record, refs, evaluation, f"{relink.entity}.")
    if errors:
        raise RecordInvalid(errors)
    table = entity.table
    rows = ctx.conn.execute(
        select(table.c.id, table.c.version)
        .where(table.c[relink.via] == record.id, table.c.deleted_at.is_(None))
        .order_by(table.c.id)
        .limit(RELINK_LIMIT + 1)
    ).all()
    if len(rows) > RELINK_LIMIT:
        raise ActionUnavailable(
            Message(
                "action.relink_limit",
                max=RELINK_LIMIT,
                entity=label_of(entity),
                record=label_of(record.entity),
            )
        )
    write = ctx.write_context(entity.key)
    for row in rows:
        try:
            update_record(write, entity, row.id, values, row.version)
        except RecordInvalid as err:
            raise prefixed(err, f"{entity.key}#{row.id}.") from None
    return [row.id for row in rows]


def _describe_step(ctx: ActionContext, step: ConvertStep, record: RecordState) -> dict[str, Any]:
    """A step as the conversion dialog needs it, inputs pre-filled from the mapping."""
    prefill: dict[str, Any] = {}
    evaluation = ctx.eval_context()
    for key in step.input:
        if key not in step.map:
            continue
        try:
            value = parse_value(step.map[key])
            if not isinstance(value, Ref):
                prefill[key] = _json(resolve(value, record, {}, evaluation))
        except ExpressionError:
            continue  # the dialog starts blank; running reports the problem
    return {
        "key": step.key,
        "entity": step.entity,
        "optional": step.optional,
        "input": [input_spec(step.entity, key) for key in step.input],
        "prefill": prefill,
    }


def _json(value: Any) -> Any:
    """An expression result as JSON, the way field types send theirs."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


# -- publish-time checks ---------------------------------------------------------------------
def _check_match(
    step: ConvertStep,
    target: EntityFields,
    source: EntityFields,
    refs: Mapping[str, str],
    path: str,
) -> Iterator[Issue]:
    for key, raw in step.reuse_when_equal.items():
        bound = target.fields.get(key)
        if bound is None or not bound.type.stored or isinstance(bound.type, ChildRows):
            yield f"{path}.{key}", f"{target.key}.{key} is not a stored field to match on"
            continue
        yield from check_value(raw, bound, source, refs, f"{path}.{key}")


def _check_required(
    step: ConvertStep, target: EntityFields, ctx: CheckContext, path: str
) -> Iterator[Issue]:
    """A required field that nothing fills would fail every conversion: say so now."""
    defn = ctx.app.entity(step.entity)
    assert defn is not None
    given = set(step.map) | set(step.input)
    for field in defn.fields:
        bound = target.fields.get(field.key)
        if (
            bound is not None
            and field.required
            and field.default is None
            and field.visible_when is None
            and bound.type.writable
            and not isinstance(bound.type, Generated)
            and field.key not in given
        ):
            yield (
                f"{path}.map",
                (f"required field {step.entity}.{field.key} is neither mapped nor an input"),
            )


def _check_relink(
    relink: Relink,
    action: ConvertAction,
    source: EntityFields,
    refs: Mapping[str, str],
    ctx: CheckContext,
    path: str,
) -> Iterator[Issue]:
    entity = ctx.entity(relink.entity)
    if entity is None:
        yield f"{path}.entity", f"unknown entity {relink.entity!r}"
        return
    via = entity.fields.get(relink.via)
    if via is None or via.defn.type != "link" or via.options.target != action.entity:
        yield f"{path}.via", f"{relink.entity}.{relink.via} is not a link to {action.entity}"
    yield from check_values(relink.set, entity, source, refs, f"{path}.set")
