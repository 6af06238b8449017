"""The read side of versions: which version of an app is published, and its definition.

Every request that touches an app's records asks this first, so it sits with
the definition, below the engines; writing versions (install, drafts, publish,
upgrade) is authoring and stays in ``builder/``. The one module of
``engine.definition`` that reads a database: it imports SQLAlchemy and the
tenant store's tables, and nothing of the engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from engine.errors import DomainError
from engine.i18n import Message
from engine.store.tables import app_versions, apps


class AppNotFound(DomainError, LookupError):
    """No app of this key is installed (or none is published) in the tenant (404)."""

    status = 404
    title = "Not found"

    def __init__(self, key: str) -> None:
        super().__init__(Message("app.not_found", app=key))
        self.key = key


@dataclass(frozen=True)
class PublishedApp:
    key: str
    version_id: int
    definition: dict[str, Any]


#: Built once: every request asks it, and building a statement costs more than running it.
_PUBLISHED_VERSION = select(apps.c.published_version_id).where(apps.c.key == bindparam("key"))


def published_version_id(conn: Connection, key: str) -> int:
    """The id of app ``key``'s published version; ``AppNotFound`` if there is none."""
    version_id = conn.scalar(_PUBLISHED_VERSION, {"key": key})
    if version_id is None:
        raise AppNotFound(key)
    return int(version_id)


def version_definition(conn: Connection, version_id: int) -> dict[str, Any]:
    """The stored definition (JSON) of one app version, published or not."""
    definition = conn.scalar(
        select(app_versions.c.definition).where(app_versions.c.id == version_id)
    )
    if definition is None:
        raise LookupError(f"there is no app version {version_id}")
    return dict(definition)


def published_app_keys(conn: Connection) -> list[str]:
    """The apps of the tenant that have a published version (whose records exist), by key."""
    query = select(apps.c.key).where(apps.c.published_version_id.is_not(None)).order_by(apps.c.key)
    return list(conn.scalars(query))


def published_app(conn: Connection, key: str) -> PublishedApp:
    """App ``key`` as published: its version id and definition (JSON)."""
    version_id = published_version_id(conn, key)
    return PublishedApp(key, version_id, version_definition(conn, version_id))


__all__ = [
    "AppNotFound",
    "PublishedApp",
    "published_app",
    "published_app_keys",
    "published_version_id",
    "version_definition",
]
