"""Installed apps and their definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from api.deps import AdminPrincipal, CurrentPrincipal, PlatformDep
from builder.apps import install_app, list_apps, published_app
from builder.validate import load_definition

router = APIRouter(prefix="/api/apps", tags=["apps"])


@router.get("")
def apps(principal: CurrentPrincipal, platform: PlatformDep) -> list[dict[str, Any]]:
    with platform.store.read(principal.tenant) as conn:
        return list_apps(conn)


@router.post("", status_code=201)
def install(
    principal: AdminPrincipal, platform: PlatformDep, definition: dict[str, Any] = Body()
) -> dict[str, Any]:
    parsed = load_definition(definition)
    with platform.store.write(principal.tenant) as conn:
        version_id = install_app(conn, parsed, principal.user.id)
    return {"key": parsed.key, "version": parsed.version, "version_id": version_id}


@router.get("/{app}/definition")
def definition(app: str, principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
    with platform.store.read(principal.tenant) as conn:
        return published_app(conn, app).definition
