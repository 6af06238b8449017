"""Server-side sessions: one row per log-in, checked on every request.

A session token (a JWT, ``engine.accounts.tokens.SessionTokens``) names its
row by ``sid``. The row, not the token, decides whether the session is still
good: logging out or revoking a session sets ``revoked_at``, deactivating
the user makes the join to an active user fail, and both take effect on the
next request in every API process, because nothing is cached.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from engine.accounts.users import User, user_from_row
from engine.store.tables import sessions, users

#: ``last_seen_at`` is written at most this often per session, not per request.
TOUCH_INTERVAL = timedelta(seconds=60)
USER_AGENT_MAX = 200
IP_MAX = 45


@dataclass(frozen=True)
class SessionInfo:
    id: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None
    ip: str | None
    user_agent: str | None

    def as_json(self, current_id: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "current": self.id == current_id,
        }


@dataclass(frozen=True)
class SessionUser:
    """The user of a live session, and when the session was last marked seen."""

    user: User
    last_seen_at: datetime


def _info(row: Any) -> SessionInfo:
    return SessionInfo(
        row.id,
        row.user_id,
        row.created_at,
        row.expires_at,
        row.last_seen_at,
        row.revoked_at,
        row.ip,
        row.user_agent,
    )


def open_session(
    conn: Connection,
    user_id: int,
    *,
    lifetime: timedelta,
    now: datetime,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SessionInfo:
    """Create a session for ``user_id`` (and drop the user's expired ones)."""
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id, sessions.c.expires_at < now))
    info = SessionInfo(
        id=secrets.token_urlsafe(32),
        user_id=user_id,
        created_at=now,
        expires_at=now + lifetime,
        last_seen_at=now,
        revoked_at=None,
        ip=ip[:IP_MAX] if ip else None,
        user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
    )
    conn.execute(
        insert(sessions).values(
            id=info.id,
            user_id=user_id,
            created_at=now,
            expires_at=info.expires_at,
            last_seen_at=now,
            ip=info.ip,
            user_agent=info.user_agent,
        )
    )
    return info


# Built once: this runs on every request that carries a session token.
_SESSION_USER = (
    select(users, sessions.c.last_seen_at.label("session_last_seen_at"))
    .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
    .where(
        sessions.c.id == bindparam("sid"),
        sessions.c.user_id == bindparam("uid"),
        sessions.c.revoked_at.is_(None),
        sessions.c.expires_at > bindparam("now"),
        users.c.is_active,
    )
)


def session_user(
    conn: Connection, session_id: str, user_id: int, now: datetime
) -> SessionUser | None:
    """The active user of a live (not revoked, not expired) session, or None."""
    row = conn.execute(_SESSION_USER, {"sid": session_id, "uid": user_id, "now": now}).first()
    if row is None:
        return None
    return SessionUser(user_from_row(row), row.session_last_seen_at)


def touch_session(conn: Connection, session_id: str, now: datetime) -> None:
    """Mark the session seen; a no-op when another process did so within a minute."""
    conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id, sessions.c.last_seen_at < now - TOUCH_INTERVAL)
        .values(last_seen_at=now)
    )


def find_session(conn: Connection, session_id: str) -> SessionInfo | None:
    row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
    return None if row is None else _info(row)


def list_sessions(conn: Connection, user_id: int, now: datetime) -> list[SessionInfo]:
    """The user's live sessions, newest first."""
    rows = conn.execute(
        select(sessions)
        .where(
            sessions.c.user_id == user_id,
            sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now,
        )
        .order_by(sessions.c.created_at.desc(), sessions.c.id)
    )
    return [_info(row) for row in rows]


def revoke_session(conn: Connection, session_id: str, now: datetime) -> bool:
    """End one session; False when it was already revoked (or does not exist)."""
    result = conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


def revoke_user_sessions(conn: Connection, user_id: int, now: datetime) -> int:
    """End every live session of the user; returns how many were ended."""
    result = conn.execute(
        update(sessions)
        .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)
