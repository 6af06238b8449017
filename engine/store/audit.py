"""The one writer of the tenant's audit log.

Every audit row goes through this module, in the caller's transaction, so a
change and its entry commit or roll back together. Record changes arrive here
through ``engine.forms.events.emit``, which turns a record event into its
rows; changes that are not about records (an app installed, drafted,
published or upgraded; security events) call ``write_audit`` directly.
``tests/test_architecture.py`` fails when another module inserts into
``audit_log``.

Row shape (what ``engine.forms.records.record_history`` reads back): ``at``,
``user_id`` (``None``: the system), ``action`` (``create``, ``update``,
``delete``, ``restore``, ``purge``, ``action``, ``app.publish``, …),
``app_key``, ``entity`` and ``record_id`` when they apply, and ``before`` /
``after`` as JSON, and ``via`` (what wrote it besides the user: ``rule:<key>``,
``action:<key>``, ``import``, …; ``None`` for a person's own edit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from engine.store.bulk import insert_many
from engine.store.tables import audit_log

#: Built once: a single create runs it on every request.
_INSERT = insert(audit_log)


def write_audit_rows(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert audit rows, each with every column of the row shape above.

    One row is one ``INSERT``; many (a bulk create) one ``executemany`` or
    ``COPY`` (``engine.store.bulk.insert_many``).
    """
    if len(rows) > 1:
        insert_many(conn, audit_log, rows)
    elif rows:
        conn.execute(_INSERT, list(rows))


def write_audit(
    conn: Connection,
    *,
    at: datetime,
    user_id: int | None,
    action: str,
    app_key: str | None = None,
    entity: str | None = None,
    record_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    via: str | None = None,
) -> None:
    """Insert one audit row that is not a record change (those are events)."""
    conn.execute(
        _INSERT,
        {
            "at": at,
            "user_id": user_id,
            "action": action,
            "app_key": app_key,
            "entity": entity,
            "record_id": record_id,
            "before": before,
            "after": after,
            "via": via,
        },
    )


__all__ = ["write_audit", "write_audit_rows"]
