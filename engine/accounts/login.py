"""Logging in: throttle, check the password, open a session, audit.

The order is what makes it safe: the throttle is consulted before the
password is checked (a waiting account or IP learns nothing, not even
whether the account exists); the password hash is checked outside any
transaction (it is slow on purpose); each write is its own short
transaction (the session with its ``login`` event; a failure's counters in
the catalogue; its ``login_failed`` event in the tenant).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from engine.accounts import login_throttle as throttle
from engine.accounts.passwords import Passwords
from engine.accounts.security_events import LOGIN, LOGIN_FAILED, LOGIN_LOCKED, record_event
from engine.accounts.sessions import SessionInfo, open_session
from engine.accounts.users import (
    LoginCandidate,
    User,
    check_password,
    find_login,
    user_id_by_name,
    user_roles,
)
from engine.errors import DomainError
from engine.i18n import Message
from engine.store import Store
from engine.store.store import TENANT_KEY


@dataclass(frozen=True)
class LoginAttempt:
    tenant: str
    username: str
    password: str
    ip: str | None = None
    user_agent: str | None = None


class LoginFailed(DomainError):
    """Unknown tenant, user name or password: one answer for all three (401)."""

    status = 401
    title = "Not authenticated"


class LoginThrottled(DomainError):
    """Too many failures: try again in ``retry_after`` seconds (429)."""

    status = 429
    title = "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(Message("account.throttled", seconds=retry_after))
        self.retry_after = retry_after

    def problem_members(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


@dataclass(frozen=True)
class LoggedIn:
    user: User
    roles: list[str]
    session: SessionInfo


@contextmanager
def _catalog(store: Store, *, write: bool) -> Iterator[Connection]:
    with store.catalog.connect() as conn:
        if write:
            conn = conn.execution_options(formwork_write=True)
        with conn.begin():
            yield conn


def log_in(
    store: Store,
    passwords: Passwords,
    policy: throttle.ThrottlePolicy,
    attempt: LoginAttempt,
    *,
    session_lifetime: timedelta,
    now: datetime | None = None,
) -> LoggedIn:
    """Open a session for the attempt's user, or raise ``LoginThrottled`` /
    ``LoginFailed``. Never reveals whether the tenant or the user exists."""
    now = now or datetime.now(UTC)
    account = throttle.account_key(attempt.tenant, attempt.username)
    keys = [account] + ([throttle.ip_key(attempt.ip)] if attempt.ip else [])
    with _catalog(store, write=False) as conn:
        wait = throttle.retry_after(conn, keys, now)
        account_failed_before = throttle.has_failures(conn, account)
    if wait is not None:
        raise LoginThrottled(wait)

    tenant_known = bool(TENANT_KEY.fullmatch(attempt.tenant)) and store.tenant_exists(
        attempt.tenant
    )
    candidate: LoginCandidate | None = None
    if tenant_known:
        with store.read(attempt.tenant) as conn:
            candidate = find_login(conn, attempt.username)
    if not check_password(passwords, candidate, attempt.password) or candidate is None:
        _failed(store, policy, attempt, candidate, tenant_known, now)
        raise LoginFailed(Message("account.login_failed"))

    user = candidate.user
    with store.write(attempt.tenant) as conn:
        session = open_session(
            conn,
            user.id,
            lifetime=session_lifetime,
            now=now,
            ip=attempt.ip,
            user_agent=attempt.user_agent,
        )
        roles = user_roles(conn, user.id)
        record_event(conn, LOGIN, user.id, {"ip": attempt.ip, "session_id": session.id}, now)
    if account_failed_before:
        with _catalog(store, write=True) as conn:
            throttle.clear(conn, account)
    return LoggedIn(user, roles, session)


def _failed(
    store: Store,
    policy: throttle.ThrottlePolicy,
    attempt: LoginAttempt,
    candidate: LoginCandidate | None,
    tenant_known: bool,
    now: datetime,
) -> None:
    with _catalog(store, write=True) as conn:
        account_wait = throttle.record_failure(
            conn,
            throttle.account_key(attempt.tenant, attempt.username),
            policy.account,
            policy,
            now,
        )
        ip_wait = 0.0
        if attempt.ip:
            ip_wait = throttle.record_failure(
                conn, throttle.ip_key(attempt.ip), policy.ip, policy, now
            )
        throttle.forget_stale(conn, policy, now)
    if not tenant_known:
        return  # no tenant to audit in; the counters above still apply
    with store.write(attempt.tenant) as conn:
        user_id = candidate.user.id if candidate else user_id_by_name(conn, attempt.username)
        detail = {"username": attempt.username, "ip": attempt.ip}
        record_event(conn, LOGIN_FAILED, user_id, detail, now)
        if account_wait or ip_wait:
            locked = {
                **detail,
                "by": "account" if account_wait >= ip_wait else "ip",
                "retry_after": math.ceil(max(account_wait, ip_wait)),
            }
            record_event(conn, LOGIN_LOCKED, user_id, locked, now)
