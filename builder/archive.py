"""Archived fields and entities: data a publish took out of the app but kept.

A removed field's column (or a removed entity's tables) is renamed to an
archive name and listed in the tenant's ``archived_columns`` table with the
definition it had, so that re-adding the field brings the data back
(docs/schema-evolution.md). Nothing here drops anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update

from engine.store.tables import archived_columns

Reason = Literal["removed", "replaced"]


@dataclass(frozen=True)
class Archive:
    """One archived field (``field`` set) or entity (``field`` None)."""

    id: int
    entity: str
    subtable: str | None
    field: str | None
    #: The physical table holding the archived column(s), or the archived table itself.
    table_name: str
    #: Original physical name -> archived name: columns of a field, tables of an entity.
    names: dict[str, str]
    definition: dict[str, Any]
    reason: str
    version: str
    archived_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entity": self.entity,
            "subtable": self.subtable,
            "field": self.field,
            "table": self.table_name,
            "names": self.names,
            "reason": self.reason,
            "version": self.version,
            "archived_at": self.archived_at.isoformat(),
            "definition": self.definition,
        }


def archives_of(conn: Connection, app_key: str) -> list[Archive]:
    """What can still be restored for an app, newest first."""
    c = archived_columns.c
    rows = conn.execute(
        select(archived_columns)
        .where(c.app_key == app_key, c.restored_at.is_(None))
        .order_by(c.id.desc())
    ).mappings()
    return [
        Archive(
            id=row["id"],
            entity=row["entity"],
            subtable=row["subtable"],
            field=row["field"],
            table_name=row["table_name"],
            names=dict(row["names"]),
            definition=dict(row["definition"]),
            reason=row["reason"],
            version=row["version"],
            archived_at=row["archived_at"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ArchiveRecord:
    """Who archives what, and when: the part every archive row of one publish shares."""

    app_key: str
    version: str
    version_id: int
    user_id: int | None
    now: datetime


def record_archive(
    conn: Connection,
    record: ArchiveRecord,
    *,
    entity: str,
    subtable: str | None,
    field: str | None,
    table_name: str,
    names: dict[str, str],
    definition: dict[str, Any],
    reason: Reason,
) -> int:
    result = conn.execute(
        insert(archived_columns).values(
            app_key=record.app_key,
            entity=entity,
            subtable=subtable,
            field=field,
            table_name=table_name,
            names=names,
            definition=definition,
            reason=reason,
            version=record.version,
            version_id=record.version_id,
            archived_at=record.now,
            archived_by=record.user_id,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def mark_restored(conn: Connection, archive_id: int, now: datetime) -> None:
    conn.execute(
        update(archived_columns).where(archived_columns.c.id == archive_id).values(restored_at=now)
    )


def move_archives(conn: Connection, app_key: str, old_table: str, new_table: str) -> None:
    """Follow a table rename: archived columns inside it now live under the new name."""
    c = archived_columns.c
    conn.execute(
        update(archived_columns)
        .where(c.app_key == app_key, c.table_name == old_table, c.field.is_not(None))
        .values(table_name=new_table)
    )
