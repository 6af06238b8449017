"""People of the tenant, for user pickers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentPrincipal, PlatformDep
from engine.accounts.users import list_users

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("")
def users(principal: CurrentPrincipal, platform: PlatformDep) -> list[dict[str, Any]]:
    with platform.store.read(principal.tenant) as conn:
        return [
            {"id": u.id, "username": u.username, "display_name": u.display_name}
            for u in list_users(conn)
        ]
