"""Signed-in sessions: list and revoke (one's own; any for an administrator)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.deps import CurrentPrincipal, PlatformDep, subject_user_id
from api.problems import ApiError
from engine.accounts.security_events import SESSION_REVOKED, record_event
from engine.accounts.sessions import find_session, list_sessions, revoke_session
from engine.i18n import Message

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

ID_MAX = 2**31 - 1


@router.get("")
def sessions(
    principal: CurrentPrincipal,
    platform: PlatformDep,
    user_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> list[dict[str, Any]]:
    """Live sessions of the caller, or of ``user_id`` for an administrator; newest first."""
    whose = subject_user_id(principal, user_id)
    with platform.store.read(principal.tenant) as conn:
        found = list_sessions(conn, whose, datetime.now(UTC))
    return [session.as_json(principal.session_id) for session in found]


@router.delete("/{session_id}", status_code=204)
def delete_session(
    session_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: CurrentPrincipal,
    platform: PlatformDep,
) -> Response:
    """End a session at once, in every process. Someone else's session is not
    found for anyone but an administrator."""
    now = datetime.now(UTC)
    with platform.store.write(principal.tenant) as conn:
        session = find_session(conn, session_id)
        if session is None or (
            session.user_id != principal.user.id and not principal.user.is_admin
        ):
            raise ApiError(404, Message("request.no_session"))
        if revoke_session(conn, session_id, now):
            detail = {"session_id": session_id, "owner_id": session.user_id}
            record_event(conn, SESSION_REVOKED, principal.user.id, detail, now)
    return Response(status_code=204)
