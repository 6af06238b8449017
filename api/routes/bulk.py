"""Bulk work on selected records: edit a field, delete, run an action.

``POST /api/apps/{app}/{entity}/bulk-update`` ``{ids, values}``,
``…/bulk-delete`` ``{ids}`` and ``…/bulk-action`` ``{ids, action, params}``
(assign, transfer, return to the pool… any action of the entity).

Each record goes through exactly what a single write of the user goes
through (``GuardedWrites``: scopes, field access, input rules; ``run_action``:
roles, reach, pool rules and caps), so a selection cannot do more than the
user could one record at a time.

All or nothing: every record is tried in its own SAVEPOINT so that one
failure does not hide the next, and if any failed the whole transaction
rolls back and the answer is a problem listing each failed record with its
status, message and field errors (``BulkFailed``). A client may send an
``Idempotency-Key``: a retried bulk request replays the first answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import find_entity, open_entity
from api.idempotency import Idempotent
from api.params import MAX_ID
from api.problems import ApiError
from engine.actions import ActionContext, run_action
from engine.errors import TITLES, DomainError
from engine.forms import GuardedWrites, WriteContext, label_of, via_bulk
from engine.i18n import Message

router = APIRouter(prefix="/api/apps/{app}/{entity}", tags=["bulk"])

#: Records one bulk request may change: a screenful of "select all matching"
#: pages, small enough that one transaction stays short.
MAX_SELECTION = 1_000


def _distinct(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise ValueError(Message("request.distinct_ids"))
    return ids


Ids = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]],
    Field(min_length=1, max_length=MAX_SELECTION),
    AfterValidator(_distinct),
]


class BulkSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: Ids


class BulkUpdate(BulkSelection):
    #: The same new values for every selected record.
    values: dict[str, Any] = Field(min_length=1)


class BulkAction(BulkSelection):
    action: str = Field(min_length=1, max_length=100)
    #: The action's inputs (a new owner, a reason), the same for every record.
    params: dict[str, Any] = Field(default_factory=dict)


class BulkFailed(DomainError):
    """Some selected records could not be changed, so none was: which, and why.

    The status is the failures' own when they share one (403 when the user
    may change none of them), else 422.
    """

    #: The class's answer; an instance takes its failures' status when they share one.
    status = 422
    title = TITLES[422]

    def __init__(self, total: int, failures: list[dict[str, Any]]):
        statuses = {f["status"] for f in failures}
        self.status = statuses.pop() if len(statuses) == 1 else 422
        self.title = TITLES.get(self.status, TITLES[422])
        self.total = total
        self.failures = failures
        super().__init__(Message("bulk.failed", failed=len(failures), total=total))

    def problem_members(self) -> dict[str, Any]:
        return {"total": self.total, "failed": len(self.failures), "failures": self.failures}


def _failure(record_id: int, err: DomainError) -> dict[str, Any]:
    problem = err.to_problem()
    failure: dict[str, Any] = {"id": record_id, "status": problem.status, "detail": problem.detail}
    if problem.errors:
        failure["errors"] = problem.errors
    return failure


def each_or_none(conn: Connection, ids: Sequence[int], write: Callable[[int], None]) -> None:
    """Run ``write`` for each id, each in a SAVEPOINT; raise ``BulkFailed`` naming
    every failure (the caller's transaction then rolls back all the others)."""
    failures = []
    for record_id in ids:
        try:
            with conn.begin_nested():
                write(record_id)
        except DomainError as err:
            failures.append(_failure(record_id, err))
    if failures:
        raise BulkFailed(len(ids), failures)


@contextmanager
def _writing(
    platform: PlatformDep, principal: CurrentPrincipal, app: str, entity: str, via: str
) -> Iterator[GuardedWrites]:
    with platform.store.write(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        now = datetime.now(UTC)
        ctx = WriteContext(
            conn,
            opened.runtime,
            opened.entity.key,
            principal.user.id,
            now,
            hooks=platform.hooks,
            via=via,
        )
        yield GuardedWrites(ctx, opened.entity, opened.access)


@router.post("/bulk-update")
def bulk_update(
    app: str,
    entity: str,
    body: BulkUpdate,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    idempotent: Idempotent,
) -> Response:
    """Set the same values on every selected record: ``{"updated": n, "ids": [...]}``.

    Each record is written at the version it has now: the user chose the new
    values for the selection, not from what each record said.
    """
    with _writing(platform, principal, app, entity, via_bulk("update")) as records:
        conn = records.ctx.conn
        replay = idempotent.replay(conn, body.model_dump(mode="json"))
        if replay is not None:
            return replay
        table = records.entity.table
        versions = dict(
            conn.execute(select(table.c.id, table.c.version).where(table.c.id.in_(body.ids))).all()
        )

        def write(record_id: int) -> None:
            # A missing id (version 0) is answered "not found" by the update itself.
            records.update(record_id, dict(body.values), int(versions.get(record_id, 0)))

        each_or_none(conn, body.ids, write)
        answer = JSONResponse({"updated": len(body.ids), "ids": body.ids})
        return idempotent.answer(conn, answer)


@router.post("/bulk-delete")
def bulk_delete(
    app: str,
    entity: str,
    body: BulkSelection,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    idempotent: Idempotent,
) -> Response:
    """Move every selected record to the recycle bin: ``{"deleted": n, "ids": [...]}``."""
    with _writing(platform, principal, app, entity, via_bulk("delete")) as records:
        conn = records.ctx.conn
        replay = idempotent.replay(conn, body.model_dump(mode="json"))
        if replay is not None:
            return replay
        each_or_none(conn, body.ids, records.delete)
        answer = JSONResponse({"deleted": len(body.ids), "ids": body.ids})
        return idempotent.answer(conn, answer)


@router.post("/bulk-action")
def bulk_action(
    app: str,
    entity: str,
    body: BulkAction,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    idempotent: Idempotent,
) -> Response:
    """Run one action on every selected record with the same inputs:
    ``{"action": key, "done": n, "ids": [...]}``."""
    with platform.store.write(principal.tenant) as conn:
        replay = idempotent.replay(conn, body.model_dump(mode="json"))
        if replay is not None:
            return replay
        runtime = platform.runtime(conn, principal.tenant, app)
        found = find_entity(runtime, entity)
        key = found.key
        if not any(a.entity == key and a.key == body.action for a in runtime.definition.actions):
            message = Message("request.no_bulk_action", entity=label_of(found), action=body.action)
            raise ApiError(404, message)
        ctx = ActionContext.for_user(
            conn, runtime, principal.user, datetime.now(UTC), hooks=platform.hooks
        )
        # The history says "bulk “Transfer”", not the action alone.
        ctx.via = via_bulk(f"action:{body.action}")
        each_or_none(
            conn, body.ids, lambda record_id: _run(ctx, key, record_id, body.action, body.params)
        )
        answer = JSONResponse({"action": body.action, "done": len(body.ids), "ids": body.ids})
        return idempotent.answer(conn, answer)


def _run(ctx: ActionContext, entity: str, record_id: int, action: str, params: Any) -> None:
    run_action(ctx, entity, record_id, action, dict(params))
