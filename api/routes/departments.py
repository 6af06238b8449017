"""The tenant's departments, for department pickers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentPrincipal, PlatformDep
from engine.accounts.users import list_departments

router = APIRouter(prefix="/api/departments", tags=["users"])


@router.get("")
def departments(principal: CurrentPrincipal, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every department as ``{id, name, parent_id}``; the tree is built by the client."""
    with platform.store.read(principal.tenant) as conn:
        return list_departments(conn)
