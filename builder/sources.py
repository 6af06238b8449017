"""Where an installed app comes from: its template version and the tenant's overlay.

One row per app in ``app_sources``: the template's key and version, the
full definition of that version (so an upgrade never depends on which
template files a server happens to have) and the overlay of the tenant's
customisations, derived from the published definition at every template
operation (upgrade, import, export). Apps installed before sources were
kept, or by ``install_app`` alone, have no row: their source is the
definition they were installed with (the app's first version) — exactly
the template they were installed from.

Package files (print templates, assets) an import brought live in
``app_files``, so that exporting the app again includes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, update

from builder.apps import definition_json
from builder.overlay import Overlay, TemplateRef, diff_to_overlay, parse_overlay
from engine.definition import AppDefinition
from engine.definition.versions import AppNotFound, published_app
from engine.store.tables import app_files, app_sources, app_versions, apps


@dataclass(frozen=True)
class AppSource:
    app: str
    template: AppDefinition
    overlay: Overlay
    #: False when derived from the app's first version (no row yet).
    stored: bool

    @property
    def ref(self) -> TemplateRef:
        return TemplateRef(key=self.template.key, version=self.template.version)


def app_source(conn: Connection, app_key: str) -> AppSource:
    """The template version the app is based on, with its stored overlay."""
    row = conn.execute(
        select(app_sources.c.template, app_sources.c.overlay).where(
            app_sources.c.app_key == app_key
        )
    ).first()
    if row is not None:
        return AppSource(
            app_key,
            AppDefinition.model_validate(row.template),
            parse_overlay(row.overlay),
            stored=True,
        )
    first = conn.scalar(
        select(app_versions.c.definition)
        .join(apps, apps.c.id == app_versions.c.app_id)
        .where(apps.c.key == app_key, app_versions.c.status != "draft")
        .order_by(app_versions.c.id)
        .limit(1)
    )
    if first is None:
        raise AppNotFound(app_key)
    template = AppDefinition.model_validate(first)
    ref = TemplateRef(key=template.key, version=template.version)
    return AppSource(app_key, template, Overlay(base=ref), stored=False)


def current_overlay(conn: Connection, app_key: str) -> tuple[AppSource, AppDefinition, Overlay]:
    """The source, the published definition and the overlay that turns one into the other."""
    source = app_source(conn, app_key)
    published = AppDefinition.model_validate(published_app(conn, app_key).definition)
    return source, published, diff_to_overlay(source.template, published)


def record_source(
    conn: Connection,
    app_key: str,
    template: AppDefinition,
    overlay: Overlay,
    user_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Keep (or replace) the app's template version and overlay."""
    values = {
        "template_key": template.key,
        "template_version": template.version,
        "template": definition_json(template),
        "overlay": overlay.to_json(),
        "updated_at": now or datetime.now(UTC),
        "updated_by": user_id,
    }
    updated = conn.execute(
        update(app_sources).where(app_sources.c.app_key == app_key).values(values)
    )
    if updated.rowcount == 0:
        conn.execute(insert(app_sources).values(app_key=app_key, **values))


def app_file_contents(conn: Connection, app_key: str) -> dict[str, bytes]:
    rows = conn.execute(
        select(app_files.c.path, app_files.c.content)
        .where(app_files.c.app_key == app_key)
        .order_by(app_files.c.path)
    )
    return {row.path: bytes(row.content) for row in rows}


def replace_app_files(
    conn: Connection, app_key: str, contents: Mapping[str, bytes], now: datetime | None = None
) -> None:
    conn.execute(delete(app_files).where(app_files.c.app_key == app_key))
    now = now or datetime.now(UTC)
    for path, content in sorted(contents.items()):
        conn.execute(
            insert(app_files).values(
                app_key=app_key,
                path=path,
                content=content,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                created_at=now,
            )
        )
