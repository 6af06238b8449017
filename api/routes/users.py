"""People of the tenant: the user picker, and deactivating someone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import AdminPrincipal, CurrentPrincipal, PlatformDep
from api.problems import ApiError
from engine.accounts.deactivation import activate_user, deactivate_user
from engine.accounts.users import list_users
from engine.i18n import Message

router = APIRouter(prefix="/api/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def users(principal: CurrentPrincipal, platform: PlatformDep) -> list[dict[str, Any]]:
    with platform.store.read(principal.tenant) as conn:
        return [
            {"id": u.id, "username": u.username, "display_name": u.display_name}
            for u in list_users(conn)
        ]


@router.post("/{user_id}/deactivate", status_code=204)
def deactivate(user_id: UserId, principal: AdminPrincipal, platform: PlatformDep) -> Response:
    """Deactivate a user and revoke all their sessions and API tokens; their
    next request fails in every process."""
    if user_id == principal.user.id:
        message = Message("request.self_deactivate")
        raise ApiError(409, message, [{"field": "user_id", "message": message}])
    with platform.store.write(principal.tenant) as conn:
        if not deactivate_user(conn, user_id, principal.user.id, datetime.now(UTC)):
            raise ApiError(404, Message("request.no_user", id=user_id))
    return Response(status_code=204)


@router.post("/{user_id}/activate", status_code=204)
def activate(user_id: UserId, principal: AdminPrincipal, platform: PlatformDep) -> Response:
    """Let a deactivated user log in again (their old sessions and tokens stay revoked)."""
    with platform.store.write(principal.tenant) as conn:
        if not activate_user(conn, user_id, principal.user.id, datetime.now(UTC)):
            raise ApiError(404, Message("request.no_user", id=user_id))
    return Response(status_code=204)
