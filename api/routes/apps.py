"""Installed apps and their definitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Connection

from api.deps import AdminPrincipal, CurrentPrincipal, PlatformDep
from api.problems import ApiError, problem
from api.settings import REPO
from builder.apps import draft_definition, install_app, list_apps, save_draft
from builder.operations import PlanRefused
from builder.overlay import Resolution
from builder.package import MAX_PACKAGE_BYTES, export_package, import_package
from builder.publish import plan_publish, publish
from builder.sources import app_source, current_overlay
from builder.templates import template_version
from builder.upgrade import plan_upgrade, upgrade
from builder.validate import load_definition
from engine.definition import AppDefinition
from engine.definition.versions import published_app
from engine.forms import load_app_access
from engine.i18n import Message

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
            Message("request.definition_key"),
            [{"field": "$.key", "message": Message("request.must_be", value=app)}],
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
            published = publish(conn, app, principal.user.id, hooks=platform.hooks)
    except PlanRefused as err:
        # Caught only to say what was refused; NothingToPublish is a 409 by itself.
        detail = "the draft cannot be published; nothing was changed"
        return problem(422, detail, err.problem_errors())
    return JSONResponse(published.to_json())


# -- templates over their life: overlay, upgrade, packages (docs/templates.md) ---------------
#: Bundled templates, the default source of an upgrade's new version.
TEMPLATES = REPO / "templates"


class UpgradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The template version to upgrade to (checked against what is given).
    to: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    #: The new version as a definition or a change set; default: the bundled template.
    template: dict[str, Any] | None = None
    #: Conflict resolutions by change ref: keep (the tenant's version) or drop.
    resolutions: dict[str, Resolution] = Field(default_factory=dict)
    discard_draft: bool = False


def _upgrade_template(conn: Connection, app: str, request: UpgradeRequest) -> AppDefinition:
    """The template version to upgrade to (``TemplateError``, a 422, if it cannot be loaded)."""
    base = app_source(conn, app).template
    return template_version(TEMPLATES, base, request.to, request.template, "template")


@router.get("/{app}/overlay")
def overlay(app: str, principal: AdminPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """The template version the app is based on and the tenant's customisations of it."""
    with platform.store.read(principal.tenant) as conn:
        source, published, customisations = current_overlay(conn, app)
    return {
        "app": app,
        "version": published.version,
        "template": source.ref.model_dump(mode="json"),
        "overlay": customisations.to_json(),
    }


@router.get("/{app}/upgrade/plan")
def get_upgrade_plan(
    app: str, to: str, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """What upgrading to the bundled template version ``to`` would do."""
    return upgrade_plan(app, UpgradeRequest(to=to), principal, platform)


@router.post("/{app}/upgrade/plan")
def upgrade_plan(
    app: str, request: UpgradeRequest, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """What an upgrade would do: template changes, customisations, conflicts, schema plan."""
    with platform.store.read(principal.tenant) as conn:
        template = _upgrade_template(conn, app, request)
        return plan_upgrade(conn, app, template, request.resolutions).to_json()


@router.post("/{app}/upgrade")
def upgrade_app(
    app: str, request: UpgradeRequest, principal: AdminPrincipal, platform: PlatformDep
) -> Response:
    """Upgrade to a new template version, keeping the customisations; all or nothing."""
    try:
        with platform.store.write(principal.tenant) as conn:
            template = _upgrade_template(conn, app, request)
            done = upgrade(
                conn,
                app,
                template,
                principal.user.id,
                request.resolutions,
                request.discard_draft,
                hooks=platform.hooks,
            )
    except PlanRefused as err:
        # Caught only to say what was refused; UpgradeConflicts, UpgradeRefused
        # and OverlayError are 409s by themselves.
        detail = "the data does not allow the migration; nothing was changed"
        return problem(422, detail, err.problem_errors())
    return JSONResponse(done.to_json())


@router.get("/{app}/package")
def package(app: str, principal: AdminPrincipal, platform: PlatformDep) -> Response:
    """The app as one package file (zip): definition, template version, overlay, files."""
    with platform.store.read(principal.tenant) as conn:
        data = export_package(conn, app, TEMPLATES)
        version = published_app(conn, app).definition["version"]
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{app}-{version}.fwpkg"'},
    )


@router.post("/import", status_code=201)
def import_app(
    principal: AdminPrincipal, platform: PlatformDep, package: UploadFile
) -> dict[str, Any]:
    """Install the app of an uploaded package (checked before anything is written)."""
    data = package.file.read(MAX_PACKAGE_BYTES + 1)
    if len(data) > MAX_PACKAGE_BYTES:
        raise ApiError(413, Message("request.package_too_large", max=MAX_PACKAGE_BYTES))
    # PackageInvalid answers 422 by itself, naming the package as the field.
    with platform.store.write(principal.tenant) as conn:
        return import_package(conn, data, principal.user.id).to_json()
