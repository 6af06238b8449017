"""Pools (公海池): records without an owner, and the rules for taking and giving them back.

A record is *in the pool* when its owner field is blank and the pool's
``open_when`` holds (a converted lead without an owner is not). The rules are
data (``engine.definition.PoolDef``): who sees and claims, how many open records
one person may own, after how many days without follow-up a record goes back
(``engine.actions.stale``). The claim, assign and return actions apply them;
this module holds what they share.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, true

from engine.accounts.users import User
from engine.actions.base import ActionType, write_record
from engine.actions.checks import (
    CheckContext,
    EntityFields,
    Issue,
    check_condition,
    check_roles,
)
from engine.actions.context import ActionContext, RecordState
from engine.actions.errors import ActionUnavailable
from engine.actions.values import check_values, resolve_map
from engine.definition import (
    SYSTEM_FIELDS,
    AppDefinition,
    AssignAction,
    ClaimAction,
    PoolDef,
    ReturnToPoolAction,
)
from engine.expressions import EvalContext, ExpressionError, compile_expression
from engine.forms import (
    AppRuntime,
    EntityRuntime,
    FieldInvalid,
    Label,
    RecordInvalid,
    RecordNotFound,
    StaleVersion,
    label_of,
    owner_key,
)
from engine.i18n import Message
from engine.store.tables import audit_log, users
from engine.tenancy import tenant_timezone

PoolAction = ClaimAction | AssignAction | ReturnToPoolAction
#: The actions that take a record out of its pool.
TakingAction = TypeVar("TakingAction", bound=ClaimAction | AssignAction)
#: Audit entries looked at for a recent return of the record (bounds the query).
RECLAIM_HISTORY_LIMIT = 200
#: Field types whose value says when a record was last worked on.
CLOCK_TYPES = frozenset({"date", "datetime"})


def expression_columns(entity: EntityRuntime) -> dict[str, ColumnElement[Any]]:
    """The columns an expression over the entity's records may read, for ``to_sql``."""
    columns: dict[str, ColumnElement[Any]] = {k: entity.table.c[k] for k in SYSTEM_FIELDS}
    for bound in entity.stored:
        columns[bound.key] = entity.table.c[bound.key]
    return columns


#: Functions whose value depends on who asks or when: their SQL is not reused.
CONTEXTUAL = frozenset({"TODAY", "NOW", "CURRENT_USER"})
_STATIC_SQL: WeakKeyDictionary[EntityRuntime, dict[str, ColumnElement[bool]]] = WeakKeyDictionary()


def condition_sql(entity: EntityRuntime, source: str, ctx: EvalContext) -> ColumnElement[bool]:
    """An expression over the entity's records as SQL, translated once per runtime
    unless it reads the clock or the user (then per call, with ``ctx``)."""
    expression = compile_expression(source)
    if expression.functions & CONTEXTUAL:
        condition: ColumnElement[bool] = expression.to_sql(expression_columns(entity), ctx)
        return condition
    cached = _STATIC_SQL.setdefault(entity, {})
    if source not in cached:
        cached[source] = expression.to_sql(expression_columns(entity), ctx)
    return cached[source]


@dataclass(frozen=True)
class Pool:
    """A pool definition bound to its entity's table."""

    defn: PoolDef
    entity: EntityRuntime

    @property
    def key(self) -> str:
        return self.defn.key

    @property
    def owner_key(self) -> str:
        return self.defn.owner_field or owner_key(self.entity.defn)

    @property
    def owner_column(self) -> ColumnElement[Any]:
        return self.entity.table.c[self.owner_key]

    def is_open(self, values: Mapping[str, Any], ctx: EvalContext) -> bool:
        if self.defn.open_when is None:
            return True
        return bool(compile_expression(self.defn.open_when).evaluate(values, ctx))

    def holds(self, record: RecordState, ctx: EvalContext) -> bool:
        """Whether the record is in the pool now."""
        return record.values.get(self.owner_key) is None and self.is_open(record.values, ctx)

    def open_condition(self, ctx: EvalContext) -> ColumnElement[bool]:
        """``open_when`` as SQL (checked to translate when the app was published)."""
        if self.defn.open_when is None:
            return true()
        return condition_sql(self.entity, self.defn.open_when, ctx)

    def condition(self, ctx: EvalContext) -> ColumnElement[bool]:
        """The records in the pool, as SQL."""
        return and_(self.owner_column.is_(None), self.open_condition(ctx))

    def unmasked_for(self, user: User | None, roles: Collection[str]) -> bool:
        """Whether the user sees ``hidden_fields`` of records in the pool: the
        system, tenant administrators and the pool's managers (``assign.roles``)."""
        if user is None or user.is_admin:
            return True
        return not frozenset(self.defn.assign.roles).isdisjoint(roles)

    def viewer_roles(self) -> frozenset[str] | None:
        """Roles that see the pool's records; ``None``: every role of the app."""
        if self.defn.visible_to:
            return frozenset(self.defn.visible_to)
        if not self.defn.claim.roles:
            return None
        return frozenset(self.defn.claim.roles) | frozenset(self.defn.assign.roles)


def pool(app: AppRuntime, key: str) -> Pool:
    defn = app.definition.pool(key)
    if defn is None:
        raise LookupError(f"app {app.key!r} has no pool {key!r}")
    return Pool(defn, app.entities[defn.entity])


def pools_of(app: AppRuntime, entity_key: str) -> list[Pool]:
    return [pool(app, p.key) for p in app.definition.pools if p.entity == entity_key]


def sees(user: User | None, roles: Collection[str], target: Pool) -> bool:
    """Whether the user sees the pool's records (the system and admins see all)."""
    if user is None or user.is_admin:
        return True
    viewers = target.viewer_roles()
    return viewers is None or not viewers.isdisjoint(roles)


def visible_pool_records(
    app: AppRuntime, entity_key: str, user: User | None, roles: Collection[str], ctx: EvalContext
) -> ColumnElement[bool] | None:
    """The records of the entity's pools that the user sees, beyond their read scope.

    ``None`` when the user sees no pool of the entity. The read scope of the
    records service can OR this in, so that a rep whose scope is ``own``
    still lists and opens the pool's leads (docs/actions.md).
    """
    conditions = [p.condition(ctx) for p in pools_of(app, entity_key) if sees(user, roles, p)]
    return or_(*conditions) if conditions else None


def _moment(conn: Connection, user: User) -> EvalContext:
    """Now, for ``user``, in the tenant's time zone: what ``TODAY()`` in a pool's
    ``open_when`` (days since the last follow-up) counts from."""
    return EvalContext(user_id=user.id, now=datetime.now(UTC), tz=tenant_timezone(conn))


def pool_reach(
    conn: Connection, app: AppRuntime, entity_key: str, user: User, roles: frozenset[str]
) -> ColumnElement[bool] | None:
    """``visible_pool_records`` now, as ``load_entity_access(read_also=…)`` takes it."""
    if not pools_of(app, entity_key):
        return None
    return visible_pool_records(app, entity_key, user, roles, _moment(conn, user))


def pool_masks(
    conn: Connection, app: AppRuntime, entity_key: str, user: User, roles: frozenset[str]
) -> dict[str, ColumnElement[bool]]:
    """The pools' ``hidden_fields`` of the entity, each masked while its record is in
    the pool, as ``load_entity_access(field_masks=…)`` takes them.

    In the pool the owner is blank, so "everyone but the owner" is everyone
    the pool does not exempt (``Pool.unmasked_for``); a claim gives the
    record an owner, and the condition stops holding for it.
    """
    masks: dict[str, ColumnElement[bool]] = {}
    moment: EvalContext | None = None
    for target in pools_of(app, entity_key):
        if not target.defn.hidden_fields or target.unmasked_for(user, roles):
            continue
        moment = moment or _moment(conn, user)
        in_pool = target.condition(moment)
        for key in target.defn.hidden_fields:
            masks[key] = or_(masks[key], in_pool) if key in masks else in_pool
    return masks


def lock_user(ctx: ActionContext, user_id: int) -> bool:
    """Lock one user's row until the transaction ends; False if there is no such active user.

    Claims and assignments to the same person queue up behind it, so that
    counting their open records and taking one more cannot interleave. On
    SQLite the write transaction already serialises writers.
    """
    query = select(users.c.id).where(users.c.id == user_id, users.c.is_active).with_for_update()
    return ctx.conn.scalar(query) is not None


def count_open(ctx: ActionContext, target: Pool, user_id: int) -> int:
    """How many open records of the pool's entity the user owns."""
    query = (
        select(func.count())
        .select_from(target.entity.table)
        .where(
            target.entity.table.c.deleted_at.is_(None),
            target.owner_column == user_id,
            target.open_condition(ctx.eval_context()),
        )
    )
    return int(ctx.conn.scalar(query) or 0)


def check_capacity(ctx: ActionContext, target: Pool, user_id: int, whose: Message) -> None:
    """``ActionUnavailable`` when the user owns ``max_open_per_user`` open records already."""
    limit = target.defn.max_open_per_user
    if limit is None:
        return
    count = count_open(ctx, target, user_id)
    if count >= limit:
        raise ActionUnavailable(
            Message(
                "action.capacity",
                whose=whose,
                count=count,
                entity=label_of(target.entity),
                pool=label_of(target),
                limit=limit,
            )
        )


def check_reclaim(ctx: ActionContext, target: Pool, record: RecordState, user_id: int) -> None:
    """Refuse a claim of a record the user gave back (or lost) within ``reclaim_after_days``.

    The audit log says who owned the record before each change, so no
    field of the template is needed for it.
    """
    days = target.defn.claim.reclaim_after_days
    if days is None:
        return
    since = ctx.now - timedelta(days=days)
    rows = ctx.conn.execute(
        select(audit_log.c.at, audit_log.c.before, audit_log.c.after)
        .where(
            audit_log.c.app_key == ctx.app.key,
            audit_log.c.entity == record.entity.key,
            audit_log.c.record_id == record.id,
            audit_log.c.action == "update",
            audit_log.c.at >= since,
        )
        .order_by(audit_log.c.id.desc())
        .limit(RECLAIM_HISTORY_LIMIT)
    )
    key = target.owner_key
    for at, before, after in rows:
        if (after or {}).get(key, 0) is None and (before or {}).get(key) == user_id:
            left = at.astimezone(ctx.zone())
            again = left + timedelta(days=days)
            raise ActionUnavailable(
                Message(
                    "action.reclaim",
                    entity=label_of(record.entity),
                    left=f"{left:%Y-%m-%d}",
                    again=f"{again:%Y-%m-%d %H:%M}",
                )
            )


def entering_values(
    ctx: ActionContext, target: Pool, record: RecordState, reason: Any
) -> dict[str, Any]:
    """What a record going back to the pool gets written: no owner, the reason, ``set``."""
    values, errors = resolve_map(
        target.defn.return_to_pool.set, record, {"record": record.id}, ctx.eval_context()
    )
    if errors:
        raise RecordInvalid(errors)
    values[target.owner_key] = None
    reason_field = target.defn.return_to_pool.reason_field
    if reason_field is not None and reason is not None:
        values[reason_field] = reason
    return values


def leaving_values(
    ctx: ActionContext, target: Pool, record: RecordState, owner: int, set_: Mapping[str, Any]
) -> dict[str, Any]:
    """What a record leaving the pool gets written: its new owner and ``set``."""
    values, errors = resolve_map(set_, record, {"record": record.id}, ctx.eval_context())
    if errors:
        raise RecordInvalid(errors)
    values[target.owner_key] = owner
    return values


# -- publish-time checks ---------------------------------------------------------------------
def check_pools(app: AppDefinition, ctx: CheckContext | None = None) -> Iterator[Issue]:
    """Every problem of ``app.pools``, with its JSON path."""
    ctx = ctx or CheckContext(app)
    keys = [p.key for p in app.pools]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        yield "$.pools", f"duplicate pool key {key!r}"
    seen: set[str] = set()
    for i, defn in enumerate(app.pools):
        path = f"$.pools[{i}]"
        if defn.entity in seen:
            yield f"{path}.entity", f"{defn.entity} has a pool already; one pool per entity"
        seen.add(defn.entity)
        entity = ctx.entity(defn.entity)
        if entity is None:
            yield f"{path}.entity", f"unknown entity {defn.entity!r}"
            continue
        yield from _check_pool(defn, entity, ctx, path)


def _check_pool(
    defn: PoolDef, entity: EntityFields, ctx: CheckContext, path: str
) -> Iterator[Issue]:
    entity_defn = ctx.app.entity(defn.entity)
    assert entity_defn is not None
    owner = defn.owner_field or owner_key(entity_defn)
    bound = entity.fields.get(owner)
    if bound is None or bound.defn.type != "user":
        where = f"{path}.owner_field" if defn.owner_field else f"{path}.entity"
        yield (
            where,
            (
                f"a pool needs an owner that can be blank: a user field of {defn.entity} "
                f"({owner!r} is not one)"
            ),
        )
        return
    yield from check_condition(defn.open_when, entity, f"{path}.open_when", sql=True)
    yield from check_roles(defn.visible_to, ctx, f"{path}.visible_to")
    yield from _check_hidden_fields(defn, entity, owner, path)
    refs = {"record": defn.entity}
    for part in ("claim", "assign", "return_to_pool"):
        section = getattr(defn, part)
        yield from check_roles(section.roles, ctx, f"{path}.{part}.roles")
        yield from check_values(section.set, entity, entity, refs, f"{path}.{part}.set")
        if owner in section.set:
            yield f"{path}.{part}.set.{owner}", "the pool writes the owner itself"
    reason_field = defn.return_to_pool.reason_field
    if reason_field is not None:
        problem = entity.writable(reason_field)
        if problem is not None:
            yield f"{path}.return_to_pool.reason_field", problem
    if defn.auto_return is not None:
        yield from _check_auto_return(defn, entity, path)


def _check_hidden_fields(
    defn: PoolDef, entity: EntityFields, owner: str, path: str
) -> Iterator[Issue]:
    """Hidden fields are stored fields of the entity that do not say whether a
    record is in the pool (the mask's own condition must not read a masked value)."""
    try:
        deciding = compile_expression(defn.open_when).names if defn.open_when else frozenset()
    except ExpressionError:  # reported by the open_when check
        deciding = frozenset()
    keys = defn.hidden_fields
    for i, key in enumerate(keys):
        where = f"{path}.hidden_fields[{i}]"
        bound = entity.fields.get(key)
        if bound is None:
            yield where, f"{defn.entity} has no field {key!r}"
        elif not bound.type.stored:
            yield where, f"{defn.entity}.{key} is not stored: hide the fields it is derived from"
        elif key == owner or key in deciding:
            yield where, f"{defn.entity}.{key} says whether a record is in the pool: keep it shown"
        elif keys.index(key) != i:
            yield where, f"{key!r} is listed twice"


def _check_auto_return(defn: PoolDef, entity: EntityFields, path: str) -> Iterator[Issue]:
    auto = defn.auto_return
    assert auto is not None
    base = f"{path}.auto_return"
    for i, key in enumerate(auto.since):
        problem = entity.readable(key)
        if problem is None and entity.type_of(key) not in CLOCK_TYPES:
            problem = f"{entity.key}.{key} is a {entity.type_of(key)} field: use a date or datetime"
        if problem is not None:
            yield f"{base}.since[{i}]", problem
    yield from check_condition(auto.when, entity, f"{base}.when", sql=True)
    if auto.reason is not None:
        reason_field = defn.return_to_pool.reason_field
        if reason_field is None:
            yield f"{base}.reason", "set return_to_pool.reason_field to keep the reason"
        elif reason_field in entity.fields:
            bound = entity.fields[reason_field]
            try:
                bound.type.coerce(auto.reason, bound)
            except FieldInvalid as err:
                yield f"{base}.reason", err.message


# -- what the pool actions share ---------------------------------------------------------------
def check_pool_ref(action: PoolAction, ctx: CheckContext, path: str) -> Iterator[Issue]:
    """A pool action names a pool of its own entity."""
    defn = ctx.pool(action.pool)
    if defn is None:
        yield f"{path}.pool", f"unknown pool {action.pool!r}"
    elif defn.entity != action.entity:
        yield (
            f"{path}.pool",
            f"pool {action.pool!r} holds {defn.entity} records, not {action.entity}",
        )


def not_in_pool(target: Pool, record: RecordState, ctx: ActionContext) -> ActionUnavailable:
    """Why a record cannot be taken from the pool, saying no more than the caller may know.

    Whoever sees a pool may address any record of its entity (so a claim race
    lost a moment ago answers 409, not 404); for a record outside their read
    scope the answer is the same whether it exists, is owned or is closed, so
    trying ids tells them nothing.
    """
    noun = label_of(record.entity)
    if not ctx.in_scope(record.entity, record.id, "read"):
        return pool_miss(noun)
    owner = record.values.get(target.owner_key)
    if owner is not None and ctx.user is not None and owner == ctx.user.id:
        return ActionUnavailable(Message("action.yours_already", entity=noun))
    if owner is not None:
        return ActionUnavailable(Message("action.taken", entity=noun))
    return ActionUnavailable(Message("action.not_open", entity=noun))


def pool_miss(noun: Label) -> ActionUnavailable:
    """The one answer for an id that is not in the pool, existing or not."""
    return ActionUnavailable(Message("action.not_in_pool", entity=noun))


def take_from_pool(
    ctx: ActionContext,
    target: Pool,
    record: RecordState,
    values: Mapping[str, Any],
    typed: Collection[str] = (),
) -> dict[str, Any]:
    """Write a record leaving the pool, only if it is still ownerless (else 409).

    ``typed``: the keys of ``values`` the user typed (``write_record``).
    """
    try:
        return write_record(ctx, record, values, scope=target.owner_column.is_(None), typed=typed)
    except (RecordNotFound, StaleVersion):
        raise ActionUnavailable(Message("action.taken", entity=label_of(record.entity))) from None


class TakeFromPoolType(ActionType[TakingAction]):
    """What claim and assign share: the pool they name, and the records they reach."""

    def check(self, action: TakingAction, ctx: CheckContext, path: str) -> Iterator[Issue]:
        yield from check_pool_ref(action, ctx, path)

    def reach(
        self, ctx: ActionContext, action: TakingAction, entity: EntityRuntime
    ) -> ColumnElement[bool] | None:
        # Whoever sees the pool may address any of its entity's records, so
        # that a lead someone else claimed a moment ago answers 409, not 404.
        if sees(ctx.user, ctx.roles, pool(ctx.app, action.pool)):
            return None
        return super().reach(ctx, action, entity)

    def missing(
        self, ctx: ActionContext, action: TakingAction, entity: EntityRuntime, record_id: int
    ) -> Exception:
        # Those who see the pool address any id: a missing one answers as an
        # owned one outside their scope does (``not_in_pool``).
        if sees(ctx.user, ctx.roles, pool(ctx.app, action.pool)):
            return pool_miss(label_of(entity))
        return super().missing(ctx, action, entity, record_id)


__all__ = [
    "Pool",
    "PoolAction",
    "TakeFromPoolType",
    "check_capacity",
    "check_pool_ref",
    "check_pools",
    "check_reclaim",
    "count_open",
    "entering_values",
    "expression_columns",
    "leaving_values",
    "lock_user",
    "not_in_pool",
    "pool",
    "pool_masks",
    "pool_miss",
    "pools_of",
    "sees",
    "take_from_pool",
    "visible_pool_records",
]
