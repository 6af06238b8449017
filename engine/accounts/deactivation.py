"""Deactivating a user ends everything they are signed in with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from engine.accounts.security_events import USER_ACTIVATED, USER_DEACTIVATED, record_event
from engine.accounts.sessions import revoke_user_sessions
from engine.accounts.tokens import revoke_user_tokens
from engine.accounts.users import set_user_active


def deactivate_user(conn: Connection, user_id: int, by: int | None, now: datetime) -> bool:
    """Deactivate the user and revoke all their sessions and API tokens, in the
    caller's transaction; False when there is no such user."""
    if not set_user_active(conn, user_id, False):
        return False
    ended = revoke_user_sessions(conn, user_id, now)
    revoked = revoke_user_tokens(conn, user_id, now)
    detail = {"user_id": user_id, "sessions_revoked": ended, "tokens_revoked": revoked}
    record_event(conn, USER_DEACTIVATED, by, detail, now)
    return True


def activate_user(conn: Connection, user_id: int, by: int | None, now: datetime) -> bool:
    """Let a deactivated user log in again (old sessions and tokens stay revoked)."""
    if not set_user_active(conn, user_id, True):
        return False
    record_event(conn, USER_ACTIVATED, by, {"user_id": user_id}, now)
    return True
