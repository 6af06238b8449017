"""A user's personal saved views of an entity's list (the ``saved_views`` table).

A saved view is a name and a ``definition`` (``filter``, ``sort``,
``columns``) that only its user sees. The caller checks the definition
against the entity (``api/routes/saved_views.py``); this module stores it.
Saving under an existing name of the same list replaces that view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from engine.store.tables import saved_views

#: Views one user may keep per list: a menu, not a store of filters.
MAX_VIEWS_PER_LIST = 100


def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "definition": row.definition,
        "created_at": row.created_at.isoformat(),
    }


def list_views(conn: Connection, user_id: int, app: str, entity: str) -> list[dict[str, Any]]:
    """The user's views of one list, by name."""
    t = saved_views
    rows = conn.execute(
        select(t)
        .where(t.c.user_id == user_id, t.c.app == app, t.c.entity == entity)
        .order_by(t.c.name, t.c.id)
    )
    return [_row(row) for row in rows]


def count_views(conn: Connection, user_id: int, app: str, entity: str) -> int:
    t = saved_views
    where = (t.c.user_id == user_id, t.c.app == app, t.c.entity == entity)
    return int(conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one())


def save_view(
    conn: Connection,
    user_id: int,
    app: str,
    entity: str,
    name: str,
    definition: dict[str, Any],
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Store a view; answers it and whether it is new (False: a same-named one was replaced)."""
    t = saved_views
    where = (t.c.user_id == user_id, t.c.app == app, t.c.entity == entity, t.c.name == name)
    existing = conn.execute(select(t.c.id).where(*where)).scalar()
    if existing is not None:
        conn.execute(update(t).where(t.c.id == existing).values(definition=definition))
        created = False
        view_id = int(existing)
    else:
        values = {
            "user_id": user_id,
            "app": app,
            "entity": entity,
            "name": name,
            "definition": definition,
            "created_at": now,
        }
        view_id = int(conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one())
        created = True
    row = conn.execute(select(t).where(t.c.id == view_id)).one()
    return _row(row), created


def delete_view(conn: Connection, user_id: int, app: str, entity: str, view_id: int) -> bool:
    """Delete one of the user's views; False when they have none with that id here."""
    t = saved_views
    result = conn.execute(
        delete(t).where(
            t.c.id == view_id, t.c.user_id == user_id, t.c.app == app, t.c.entity == entity
        )
    )
    return result.rowcount > 0


__all__ = ["MAX_VIEWS_PER_LIST", "count_views", "delete_view", "list_views", "save_view"]
