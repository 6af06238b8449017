"""The security events of the tenant's audit log, for administrators."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import AdminPrincipal, PlatformDep
from engine.accounts.security_events import list_events

router = APIRouter(prefix="/api/security-events", tags=["security"])

SecurityAction = Literal[
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "token_created",
    "token_revoked",
    "session_revoked",
    "user_deactivated",
    "user_activated",
    "permission_denied",
]


@router.get("")
def security_events(
    principal: AdminPrincipal,
    platform: PlatformDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    action: SecurityAction | None = None,
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """Log-ins, failures, lock-outs, token and session changes and permission
    refusals, newest first."""
    with platform.store.read(principal.tenant) as conn:
        found = list_events(conn, page=page, page_size=page_size, action=action, user_id=user_id)
    return {"items": found.items, "page": page, "page_size": page_size, "has_more": found.has_more}
