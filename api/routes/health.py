"""Liveness and database reachability."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import PlatformDep

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(platform: PlatformDep) -> dict[str, Any]:
    with platform.store.catalog.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "database": platform.store.dialect}
