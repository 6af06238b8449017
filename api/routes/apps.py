"""Installed apps and their definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, Response

from api.deps import AdminPrincipal, CurrentPrincipal, PlatformDep
from api.problems import ApiError, problem
from builder.apps import draft_definition, install_app, list_apps, published_app, save_draft
from builder.operations import PlanRefused
from builder.publish import NothingToPublish, plan_publish, publish
from builder.validate import load_definition
from engine.forms.permissions import load_app_access

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


@router.get("/{app}/permissions")
def permissions(app: str, principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """What the caller may do in the app, per entity: actions with their record
    scope and each field's access (hidden, read, write), so a UI can disable
    what the server would refuse. 403 when the caller has no role in the app."""
    with platform.store.read(principal.tenant) as conn:
        runtime = platform.runtime(conn, principal.tenant, app)
        return load_app_access(conn, principal.user, runtime).to_json()


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


@router.get("/{app}/definition/plan")
def get_plan(app: str, principal: AdminPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """What publishing the draft would do: operations, blocking problems, warnings."""
    with platform.store.read(principal.tenant) as conn:
        return plan_publish(conn, app).to_json()


@router.post("/{app}/definition/publish")
def publish_draft(app: str, principal: AdminPrincipal, platform: PlatformDep) -> Response:
    """Apply the draft's plan and publish it, all or nothing (422 names failing records)."""
    try:
        with platform.store.write(principal.tenant) as conn:
            published = publish(conn, app, principal.user.id)
    except PlanRefused as err:
        errors = [error for p in err.problems for error in p.errors()]
        return problem(422, "the draft cannot be published; nothing was changed", errors)
    except NothingToPublish as err:
        raise ApiError(409, str(err)) from None
    return JSONResponse(published.to_json())
