"""The caller's in-app notifications: list, unread count, mark read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import CurrentPrincipal, PlatformDep
from engine.messaging import notifications

router = APIRouter(prefix="/api/notifications", tags=["notifications"])

NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_notifications(
    principal: CurrentPrincipal,
    platform: PlatformDep,
    unread_only: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Mine, newest first, with the unread count."""
    with platform.store.read(principal.tenant) as conn:
        return notifications.list_mine(
            conn, principal.user.id, unread_only=unread_only, page=page, page_size=page_size
        )


@router.get("/unread")
def unread(principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, int]:
    """The bell's number."""
    with platform.store.read(principal.tenant) as conn:
        return {"unread": notifications.unread_count(conn, principal.user.id)}


@router.post("/read-all")
def read_all(principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, int]:
    with platform.store.write(principal.tenant) as conn:
        updated = notifications.mark_all_read(conn, principal.user.id, datetime.now(UTC))
    return {"updated": updated}


@router.post("/{notification_id}/read")
def read_one(
    notification_id: NotificationId, principal: CurrentPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """Mark one of mine read (404 for an id that is not mine)."""
    with platform.store.write(principal.tenant) as conn:
        return notifications.mark_read(conn, principal.user.id, notification_id, datetime.now(UTC))
