"""The assign effect: give each record an owner, round-robin or to the least loaded.

``{"type": "assign", "field": "owner", "by": "round_robin", "to": {"departments":
["East"]}, "table": [{"when": "area == 'west'", "to": {"departments": ["West"]}}],
"pool": "lead_pool"}``: the first ``table`` row whose condition holds names
the candidates (by region, industry, source…), else ``to`` does. Candidates
are active users only; with a ``pool``, those owning its cap of open records
(``max_open_per_user``, ``open_when``) are skipped, and ``least_loaded``
counts open records. No candidate: the field stays blank, so the record
stays in (or goes to) the pool. ``only_if_empty`` (the default) leaves
records that already have someone.

A bulk of 10,000 new leads is one event: the assignments are computed in
memory (the loads counted with one grouped query, the round-robin cursor of
each candidate set read once and written once in ``rule_state``) and
written in one ``executemany``, each record still validated, audited and
announced by a ``RecordUpdated`` of its own, so a ``field_changed`` rule on
the owner notifies the new owner.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, select, true, update

from engine.definition import SYSTEM_FIELDS, Key, PoolDef
from engine.expressions import EvalContext, Expression, ExpressionError, compile_expression
from engine.forms import (
    EntityRuntime,
    PendingWrite,
    RecordUpdated,
    StaleVersion,
    WriteContext,
    emit_many,
)
from engine.rules.base import CheckContext, Effect, Issue, RuleRun, Settings
from engine.rules.recipients import Recipients, check_recipients, users_of
from engine.rules.state import get_states, put_states
from engine.rules.subscriber import writing_itself

By = Literal["round_robin", "least_loaded"]


class TableRow(Settings):
    #: A condition over the record (``area == 'west'``).
    when: str = Field(min_length=1, max_length=4000)
    to: Recipients
    by: By | None = None


class AssignConfig(Settings):
    #: A ``user`` field of the entity.
    field: Key
    by: By = "round_robin"
    #: The candidates when no ``table`` row applies.
    to: Recipients | None = None
    table: list[TableRow] = Field(default_factory=list, max_length=50)
    #: A pool of the app: its cap and what counts as an open record.
    pool: Key | None = None
    only_if_empty: bool = True

    @model_validator(mode="after")
    def _someone(self) -> AssignConfig:
        if self.to is None and not self.table:
            raise ValueError("give the candidates: to, or a table of conditions")
        return self


#: Recipient parts that do not depend on the record: one lookup serves a batch.
_RECORD_PARTS = ("fields", "managers_of")


class Assign(Effect):
    key = "assign"
    label = {"zh-CN": "分配负责人", "en": "Assign an owner"}
    description = {
        "zh-CN": "按轮询或最少负载，从候选人（可按地区、行业、来源等条件分表）中分配负责人；"
        "遵守公海池的持有上限，跳过停用用户；无人可分时留在公海池。",
        "en": "Give the record an owner, round-robin or to the least loaded of the candidates "
        "(a table of conditions picks them by region, industry, source…); respects the pool's "
        "cap, skips inactive users; with nobody left the record stays in the pool.",
    }
    Config = AssignConfig

    @property
    def settings(self) -> AssignConfig:
        assert isinstance(self.config, AssignConfig)
        return self.config

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        settings = self.settings
        bound = cc.entity.fields.get(settings.field)
        if bound is None:
            yield f"{path}.field", f"unknown field {settings.field!r} of {cc.entity.key}"
        elif bound.defn.type != "user":
            yield f"{path}.field", f"{cc.entity.key}.{settings.field} is not a user field"
        elif not bound.type.writable:
            yield f"{path}.field", f"{cc.entity.key}.{settings.field} cannot be written"
        if settings.to is not None:
            yield from check_recipients(settings.to, cc, f"{path}.to", None)
        for i, row in enumerate(settings.table):
            where = f"{path}.table[{i}]"
            try:
                compile_expression(row.when, names=cc.names)
            except ExpressionError as err:
                yield f"{where}.when", err.message
            yield from check_recipients(row.to, cc, f"{where}.to", None)
        if settings.pool is not None:
            pool = cc.app.definition.pool(settings.pool)
            if pool is None:
                yield f"{path}.pool", f"unknown pool {settings.pool!r}"
            elif pool.entity != cc.entity.key:
                yield (
                    f"{path}.pool",
                    f"pool {settings.pool!r} holds {pool.entity}, not {cc.entity.key}",
                )

    def run(self, runs: Sequence[RuleRun]) -> None:
        settings = self.settings
        todo = [
            run
            for run in runs
            if run.record_id is not None
            and not (settings.only_if_empty and run.values.get(settings.field) is not None)
        ]
        if not todo:
            return
        first = todo[0]
        conn = first.ctx.conn
        entity = first.entity
        ectx = first.eval_context()
        conditions = [compile_expression(row.when) for row in settings.table]
        # Which candidates and which way, per record.
        wanted: list[tuple[RuleRun, tuple[int, ...], By]] = []
        shared: dict[int, tuple[int, ...]] = {}
        for run in todo:
            to, by = self._row_for(run, conditions, ectx)
            if to is None:
                wanted.append((run, (), by))
                continue
            if any(getattr(to, part) for part in _RECORD_PARTS):
                people = tuple(users_of(run, to))
            else:
                people = shared.get(id(to)) or shared.setdefault(id(to), tuple(users_of(run, to)))
            wanted.append((run, people, by))
        everyone = sorted({p for _, people, _ in wanted for p in people})
        pool = None if settings.pool is None else first.ctx.app.definition.pool(settings.pool)
        loads = _open_loads(conn, entity, settings.field, everyone, pool, ectx)
        cap = None if pool is None else pool.max_open_per_user
        open_when = _open_when(pool)
        sets = {people for _, people, _ in wanted if people}
        keys = {people: self._cursor_key(first, people) for people in sets}
        cursors = self._cursors(first, keys)
        moved: dict[str, Any] = {}
        chosen: dict[int, int] = {}
        for run, people, by in wanted:
            assert run.record_id is not None
            pick = (
                _least_loaded(people, loads, cap)
                if by == "least_loaded"
                else _next_in_turn(people, cursors.get(keys.get(people, "")), loads, cap)
            )
            if pick is None:
                self.done(run, field=settings.field, assigned=None, reason="no candidate")
                continue
            if by != "least_loaded":
                cursors[keys[people]] = moved[keys[people]] = pick
            chosen[run.record_id] = pick
            if open_when is None or _truthy(open_when.evaluate(run.scope(), ectx)):
                loads[pick] = loads.get(pick, 0) + 1
            self.done(run, field=settings.field, assigned=pick, by=by)
        put_states(conn, {k: {"last": v} for k, v in moved.items()}, first.ctx.now)
        assigned = [(r, chosen[r.record_id]) for r, _, _ in wanted if r.record_id in chosen]
        with writing_itself(
            first.ctx, first.rule.key, entity.key, (r.record_id for r, _ in assigned if r.record_id)
        ):
            write_owners(first.ctx, entity, settings.field, assigned)

    def _row_for(
        self, run: RuleRun, conditions: Sequence[Expression], ectx: EvalContext
    ) -> tuple[Recipients | None, By]:
        settings = self.settings
        scope = run.scope() if conditions else {}
        for row, condition in zip(settings.table, conditions, strict=True):
            if _truthy(condition.evaluate(scope, ectx)):
                return row.to, row.by or settings.by
        return settings.to, settings.by

    def _cursor_key(self, run: RuleRun, people: tuple[int, ...]) -> str:
        digest = hashlib.sha1(",".join(map(str, people)).encode(), usedforsecurity=False)
        return f"rr:{run.ctx.app.key}/{run.rule.key}/{self.index}/{digest.hexdigest()[:16]}"

    def _cursors(self, run: RuleRun, keys: dict[tuple[int, ...], str]) -> dict[str, int]:
        found = get_states(run.ctx.conn, list(keys.values()))
        return {
            k: int(v["last"])
            for k, v in found.items()
            if isinstance(v, dict) and isinstance(v.get("last"), int)
        }


def _free(person: int, loads: dict[int, int], cap: int | None) -> bool:
    return cap is None or loads.get(person, 0) < cap


def _least_loaded(people: tuple[int, ...], loads: dict[int, int], cap: int | None) -> int | None:
    free = [p for p in people if _free(p, loads, cap)]
    return min(free, key=lambda p: (loads.get(p, 0), p)) if free else None


def _next_in_turn(
    people: tuple[int, ...], last: int | None, loads: dict[int, int], cap: int | None
) -> int | None:
    """Round-robin: the first candidate after ``last`` (in id order) not at the cap.

    ``people`` is sorted; the turn starts right after ``last`` and wraps
    round once, so a batch costs a step or two per record, not a scan of
    every candidate.
    """
    if not people:
        return None
    start = 0 if last is None else bisect_right(people, last)
    count = len(people)
    for step in range(count):
        person = people[(start + step) % count]
        if _free(person, loads, cap):
            return person
    return None


def _truthy(value: Any) -> bool:
    return value is True or (value not in (None, False, 0, "") and bool(value))


def _open_when(pool: PoolDef | None) -> Expression | None:
    if pool is None or pool.open_when is None:
        return None
    return compile_expression(pool.open_when)


def _columns(entity: EntityRuntime) -> dict[str, ColumnElement[Any]]:
    columns: dict[str, ColumnElement[Any]] = {k: entity.table.c[k] for k in SYSTEM_FIELDS}
    for bound in entity.stored:
        columns[bound.key] = entity.table.c[bound.key]
    return columns


def _open_loads(
    conn: Connection,
    entity: EntityRuntime,
    field: str,
    people: Sequence[int],
    pool: PoolDef | None,
    ectx: EvalContext,
) -> dict[int, int]:
    """Open records owned per candidate (live ones; ``open_when`` of the pool), one query."""
    if not people:
        return {}
    table = entity.table
    open_condition: ColumnElement[bool] = true()
    open_when = _open_when(pool)
    if open_when is not None:
        open_condition = open_when.to_sql(_columns(entity), ectx)
    owner = table.c[field]
    query = (
        select(owner, func.count())
        .where(owner.in_(list(people)), table.c.deleted_at.is_(None), open_condition)
        .group_by(owner)
    )
    return {int(row[0]): int(row[1]) for row in conn.execute(query)}


def write_owners(
    ctx: WriteContext, entity: EntityRuntime, key: str, chosen: Sequence[tuple[RuleRun, int]]
) -> None:
    """Write one user field of many records at once, as the record service would.

    Each value passes the field type's coercion, the write guards see each
    record's change, the rows change in one ``executemany`` (at the version
    read, so a record written meanwhile is a ``StaleVersion``), and each
    record gets its audit row and its ``RecordUpdated`` (its subscribers run,
    as ``emit`` would call them, after every audit row is written at once).
    """
    if not chosen:
        return
    bound = entity.fields[key]
    table = entity.table
    rows = []
    for run, person in chosen:
        assert run.record_id is not None
        value = bound.type.coerce(person, bound)
        if ctx.hooks.guards:
            pending = PendingWrite(
                "update", ctx.app.key, entity.key, run.record_id, [{key: value}], run.values
            )
            ctx.hooks.check(ctx, pending)
        rows.append({"rid": run.record_id, "ver": int(run.values["version"]), "value": value})
    statement = (
        update(table)
        .where(and_(table.c.id == bindparam("rid"), table.c.version == bindparam("ver")))
        .values(
            {
                key: bindparam("value"),
                "version": table.c.version + 1,
                "updated_at": ctx.now,
                "updated_by": ctx.user_id,
            }
        )
    )
    result = ctx.conn.execute(statement, rows)
    if result.rowcount not in (-1, len(rows)):
        # A record written by someone else since the rule read it: retried by the caller.
        raise StaleVersion(-1)
    events = []
    for run, person in chosen:
        assert run.record_id is not None
        before = run.values.get(key)
        run.values = {
            **run.values,
            key: person,
            "version": int(run.values["version"]) + 1,
            "updated_at": ctx.now,
            "updated_by": ctx.user_id,
        }
        events.append(
            RecordUpdated(
                **ctx.event_header(entity.key),
                record_id=run.record_id,
                before={key: _json(bound, before)},
                after={key: _json(bound, person)},
                changed=frozenset({key}),
                row=run.values,
            )
        )
    # The audit rows of all of them in one statement, and the rule engine's
    # subscriber once for the batch (10,000 single emits cost more than the rest).
    emit_many(ctx, events)


def _json(bound: Any, value: Any) -> Any:
    return None if value is None else bound.type.to_json(value, bound)


__all__ = ["Assign", "AssignConfig", "write_owners"]
