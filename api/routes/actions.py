"""Record actions: what a user may do with a record, and doing it (engine.actions).

``GET /api/apps/{app}/{entity}/{id}/actions`` lists the actions this user may
run on this record now; ``POST …/actions/{action}`` runs one in one
transaction. The engine applies the same access as the records routes
(``engine.forms.permissions``: record scopes, field access) and the rules of
the pools; errors come back as problem+json like every other write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import find_entity
from api.idempotency import Idempotent
from api.params import RecordId
from engine.actions import ActionContext, available_actions, run_action

router = APIRouter(prefix="/api/apps/{app}/{entity}/{record_id}/actions", tags=["actions"])


@router.get("")
def list_actions(
    app: str, entity: str, record_id: RecordId, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """The actions offered on this record to this user: ``{"items": [...]}``."""
    with platform.store.read(principal.tenant) as conn:
        runtime = platform.runtime(conn, principal.tenant, app)
        key = find_entity(runtime, entity).key
        ctx = ActionContext.for_user(
            conn, runtime, principal.user, datetime.now(UTC), hooks=platform.hooks
        )
        return JSONResponse({"items": available_actions(ctx, key, record_id)})


@router.post("/{action}")
def run(
    app: str,
    entity: str,
    record_id: RecordId,
    action: str,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    idempotent: Idempotent,
    body: dict[str, Any] | None = Body(default=None),
) -> Response:
    """Run one action; the body holds its inputs (optional).

    An ``Idempotency-Key`` header makes a retry replay the first answer.
    """
    with platform.store.write(principal.tenant) as conn:
        replay = idempotent.replay(conn, body)
        if replay is not None:
            return replay
        runtime = platform.runtime(conn, principal.tenant, app)
        key = find_entity(runtime, entity).key
        ctx = ActionContext.for_user(
            conn, runtime, principal.user, datetime.now(UTC), hooks=platform.hooks
        )
        result = run_action(ctx, key, record_id, action, body or {})
        return idempotent.answer(conn, JSONResponse(result))
