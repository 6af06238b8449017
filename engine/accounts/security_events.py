"""Security events, written to the tenant's audit log.

Log-ins, failed log-ins and lockouts, log-outs, token and session
revocations, deactivations and permission refusals are audit rows without a
record (``app_key``/``entity``/``record_id`` are NULL); what happened is in
``after``. The caller writes each in its own short transaction, so a refused
request writes nothing but its event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from engine.store.audit import write_audit
from engine.store.tables import audit_log, users

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED = "login_locked"
LOGOUT = "logout"
TOKEN_CREATED = "token_created"
TOKEN_REVOKED = "token_revoked"
SESSION_REVOKED = "session_revoked"
USER_DEACTIVATED = "user_deactivated"
USER_ACTIVATED = "user_activated"
PERMISSION_DENIED = "permission_denied"

SECURITY_ACTIONS = (
    LOGIN,
    LOGIN_FAILED,
    LOGIN_LOCKED,
    LOGOUT,
    TOKEN_CREATED,
    TOKEN_REVOKED,
    SESSION_REVOKED,
    USER_DEACTIVATED,
    USER_ACTIVATED,
    PERMISSION_DENIED,
)

#: One user fills the log with refusals no faster than this: one row per path
#: per window, and at most ``REFUSALS_PER_WINDOW`` rows per window in all.
REFUSAL_WINDOW = timedelta(minutes=1)
REFUSALS_PER_WINDOW = 20
PATH_MAX = 500


def record_event(
    conn: Connection, action: str, user_id: int | None, detail: dict[str, Any], now: datetime
) -> None:
    """Append one security event (``action`` is one of ``SECURITY_ACTIONS``)."""
    if action not in SECURITY_ACTIONS:
        raise ValueError(f"unknown security event {action!r}")
    write_audit(conn, at=now, user_id=user_id, action=action, after=detail)


def record_refusal(conn: Connection, user_id: int, method: str, path: str, now: datetime) -> bool:
    """Record a permission refusal unless this user already filled their quota.

    Returns whether a row was written. Several processes may both write one
    in a race; the bound stays within a small factor, which is all it is for.
    """
    path = path[:PATH_MAX]
    recent = conn.execute(
        select(audit_log.c.after)
        .where(
            audit_log.c.action == PERMISSION_DENIED,
            audit_log.c.at >= now - REFUSAL_WINDOW,
            audit_log.c.user_id == user_id,
        )
        .limit(REFUSALS_PER_WINDOW)
    ).all()
    if len(recent) >= REFUSALS_PER_WINDOW:
        return False
    if any((row.after or {}).get("path") == path for row in recent):
        return False
    record_event(conn, PERMISSION_DENIED, user_id, {"method": method, "path": path}, now)
    return True


@dataclass(frozen=True)
class EventPage:
    items: list[dict[str, Any]]
    has_more: bool


def list_events(
    conn: Connection,
    *,
    page: int,
    page_size: int,
    action: str | None = None,
    user_id: int | None = None,
) -> EventPage:
    """Security events, newest first, one page of them."""
    actions = (action,) if action else SECURITY_ACTIONS
    query = (
        select(
            audit_log.c.id,
            audit_log.c.at,
            audit_log.c.action,
            audit_log.c.user_id,
            audit_log.c.after,
            users.c.username,
        )
        .outerjoin(users, users.c.id == audit_log.c.user_id)
        .where(audit_log.c.action.in_(actions), audit_log.c.record_id.is_(None))
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    if user_id is not None:
        query = query.where(audit_log.c.user_id == user_id)
    rows = conn.execute(query).all()
    items = [
        {
            "id": row.id,
            "at": row.at.isoformat(),
            "action": row.action,
            "user_id": row.user_id,
            "username": row.username,
            "detail": row.after or {},
        }
        for row in rows[:page_size]
    ]
    return EventPage(items, len(rows) > page_size)
