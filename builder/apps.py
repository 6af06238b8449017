"""Installed apps and their versions in a tenant's store.

Installing an app writes its metadata rows and creates its tables in one
transaction (both databases run DDL transactionally), so the definition and
the physical schema can never drift apart: either both exist or neither.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.definition import AppDefinition
from engine.definition.versions import AppNotFound
from engine.errors import DomainError
from engine.forms import build_runtime
from engine.store.audit import write_audit
from engine.store.tables import app_versions, apps


class AppAlreadyInstalled(DomainError):
    """An app of this key is installed already (409)."""

    status = 409
    title = "Conflict"


def definition_json(definition: AppDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json", exclude_none=True)


def _content(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "version"}


def install_app(conn: Connection, definition: AppDefinition, user_id: int | None = None) -> int:
    """Install ``definition`` as a published app; returns its version id.

    Installing the very same definition again is a no-op (so set-up scripts
    can run twice); a different one needs an upgrade, which is refused here.
    """
    document = definition_json(definition)
    existing = conn.execute(
        select(apps.c.id, apps.c.published_version_id).where(apps.c.key == definition.key)
    ).first()
    if existing is not None:
        current = conn.scalar(
            select(app_versions.c.definition).where(
                app_versions.c.id == existing.published_version_id
            )
        )
        # The same content is the same app, whatever its version number says
        # (a publish may have raised the patch number of a bundled definition).
        if current is not None and _content(current) == _content(document):
            return int(existing.published_version_id)
        raise AppAlreadyInstalled(
            f"app {definition.key!r} is already installed with another definition; upgrade it"
        )
    now = datetime.now(UTC)
    app_id = conn.execute(
        insert(apps).values(key=definition.key, label=definition.label or {}, created_at=now)
    ).inserted_primary_key[0]  # type: ignore[index]
    version_id = conn.execute(
        insert(app_versions).values(
            app_id=app_id,
            version=definition.version,
            status="published",
            definition=document,
            created_at=now,
            created_by=user_id,
            published_at=now,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(update(apps).where(apps.c.id == app_id).values(published_version_id=version_id))
    runtime = build_runtime(definition, version_id)
    runtime.metadata.create_all(conn, tables=runtime.all_tables(), checkfirst=False)
    write_audit(
        conn,
        at=now,
        user_id=user_id,
        action="app.install",
        app_key=definition.key,
        after={"version": definition.version},
    )
    return int(version_id)


def list_apps(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(apps.c.key, apps.c.label, app_versions.c.version, app_versions.c.definition)
        .join(app_versions, apps.c.published_version_id == app_versions.c.id)
        .order_by(apps.c.key)
    )
    return [
        {
            "key": row.key,
            "label": row.label,
            "version": row.version,
            "entities": [
                {"key": e["key"], "label": e.get("label")} for e in row.definition["entities"]
            ],
        }
        for row in rows
    ]


def save_draft(
    conn: Connection, key: str, definition: AppDefinition, user_id: int | None = None
) -> int:
    """Keep a validated, unpublished edit of an installed app (one draft per app).

    Publishing a draft (with its migration plan) is the schema-evolution
    step of the form engine; saving one never touches the app's tables.
    """
    if definition.key != key:
        raise ValueError(f"the definition's key {definition.key!r} is not {key!r}")
    app_id = conn.scalar(select(apps.c.id).where(apps.c.key == key))
    if app_id is None:
        raise AppNotFound(key)
    now = datetime.now(UTC)
    values = {
        "version": definition.version,
        "definition": definition_json(definition),
        "created_at": now,
        "created_by": user_id,
    }
    draft_id = conn.scalar(
        select(app_versions.c.id).where(
            app_versions.c.app_id == app_id, app_versions.c.status == "draft"
        )
    )
    if draft_id is None:
        draft_id = conn.execute(
            insert(app_versions).values(app_id=app_id, status="draft", **values)
        ).inserted_primary_key[0]  # type: ignore[index]
    else:
        conn.execute(update(app_versions).where(app_versions.c.id == draft_id).values(values))
    write_audit(
        conn,
        at=now,
        user_id=user_id,
        action="app.draft",
        app_key=key,
        after={"version": definition.version},
    )
    return int(draft_id)


def draft_definition(conn: Connection, key: str) -> dict[str, Any]:
    row = conn.execute(
        select(app_versions.c.definition)
        .join(apps, apps.c.id == app_versions.c.app_id)
        .where(apps.c.key == key, app_versions.c.status == "draft")
    ).first()
    if row is None:
        raise AppNotFound(f"{key} (draft)")
    return dict(row.definition)
