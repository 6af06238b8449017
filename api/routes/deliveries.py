"""Outbound deliveries, for administrators: list, inspect, retry a failed one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AdminPrincipal, PlatformDep
from engine.messaging import deliveries

router = APIRouter(prefix="/api/deliveries", tags=["deliveries"])

DeliveryStatus = Literal["queued", "sent", "retrying", "failed"]
DeliveryId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_deliveries(
    principal: AdminPrincipal,
    platform: PlatformDep,
    status: DeliveryStatus | None = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Deliveries newest first, with their status, attempts and last error."""
    with platform.store.read(principal.tenant) as conn:
        return deliveries.list_deliveries(
            conn, status=status, channel=channel, page=page, page_size=page_size
        )


@router.get("/{delivery_id}")
def get_delivery(
    delivery_id: DeliveryId, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """One delivery with its content, what was rendered and its attempt log."""
    with platform.store.read(principal.tenant) as conn:
        return deliveries.get_delivery(conn, delivery_id)


@router.post("/{delivery_id}/retry")
def retry_delivery(
    delivery_id: DeliveryId, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """Queue a failed delivery again (409 unless it failed)."""
    with platform.store.write(principal.tenant) as conn:
        return deliveries.retry(conn, delivery_id, datetime.now(UTC))
