"""What every route on ``/api/apps/{app}/{entity}`` starts with: the app's
published runtime, the entity (404 if the app has none of that key) and the
caller's access to it, pools included."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from api.platform import Platform
from api.problems import ApiError
from engine.accounts.principals import Principal
from engine.forms import AppRuntime, EntityAccess, EntityRuntime, load_entity_access
from engine.i18n import Message


@dataclass(frozen=True)
class OpenEntity:
    runtime: AppRuntime
    entity: EntityRuntime
    access: EntityAccess


def find_entity(runtime: AppRuntime, key: str) -> EntityRuntime:
    entity = runtime.entity(key)
    if entity is None:
        raise ApiError(404, Message("request.no_entity", app=runtime.key, entity=key))
    return entity


def open_entity(
    conn: Connection, platform: Platform, principal: Principal, app: str, entity: str
) -> OpenEntity:
    """The entity and the caller's access, read in the caller's unit of work.

    What the read-scope contributors of the platform's hooks add joins the
    caller's read scope (the pools they see, registered by ``engine.actions``):
    a rep lists and opens pool leads, and changing one they only see is a 403.
    """
    runtime = platform.runtime(conn, principal.tenant, app)
    target = find_entity(runtime, entity)
    access = access_to(conn, platform, principal, runtime, target.key)
    return OpenEntity(runtime, target, access)


def access_to(
    conn: Connection, platform: Platform, principal: Principal, runtime: AppRuntime, entity: str
) -> EntityAccess:
    """The caller's access to one entity of the app, read-scope and field-mask
    contributors included."""
    hooks = platform.hooks
    return load_entity_access(
        conn,
        principal.user,
        runtime,
        entity,
        read_also=hooks.read_also,
        field_masks=hooks.field_masks,
    )
