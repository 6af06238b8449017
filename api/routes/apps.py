"""Installed apps and their definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from api.deps import AdminPrincipal, CurrentPrincipal, PlatformDep
from api.problems import ApiError
from builder.apps import draft_definition, install_app, list_apps, published_app, save_draft
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


@router.get("/{app}/definition/draft")
def get_draft(app: str, principal: AdminPrincipal, platform: PlatformDep) -> dict[str, Any]:
    with platform.store.read(principal.tenant) as conn:
        return draft_definition(conn, app)


@router.put("/{app}/definition/draft")
def put_draft(
    app: str,
    principal: AdminPrincipal,
    platform: PlatformDep,
    definition: dict[str, Any] = Body(),
) -> dict[str, Any]:
    """Validate and keep an edit of the app without touching its tables."""
    parsed = load_definition(definition)
    if parsed.key != app:
        raise ApiError(
            422,
            "the definition's key must be the app's key",
            [{"field": "$.key", "message": f"must be {app!r}"}],
        )
    with platform.store.write(principal.tenant) as conn:
        draft_id = save_draft(conn, app, parsed, principal.user.id)
    return {"key": app, "version": parsed.version, "status": "draft", "version_id": draft_id}
