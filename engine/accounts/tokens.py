"""Access tokens: session tokens (JWTs naming a server-side session) and API tokens.

Session tokens are JWTs (HS256) naming the tenant, the user and the session
row (``sid``, ``engine.accounts.sessions``); the signature proves who issued
them, the row decides whether they are still good. API tokens are random
secrets shown once; only their SHA-256 is stored. Their text names the tenant
(``fwt.<tenant>.<secret>``) so a request can be routed to the tenant's store
before the token is looked up there. API tokens always expire (at most
``MAX_TOKEN_DAYS`` after creation) and can be revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Connection, bindparam, insert, select, update

from engine.accounts.users import User, user_from_row
from engine.errors import DomainError
from engine.i18n import Message
from engine.store.tables import api_tokens, users

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
#: ``last_used_at`` is written at most this often per token, not per request.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class Identity:
    tenant: str
    user_id: int
    session_id: str


class InvalidToken(DomainError):
    """No token, or one that is malformed, forged, expired or revoked (401)."""

    status = 401
    title = "Not authenticated"


#: Verified session tokens remembered per process (see ``SessionTokens.verify``).
VERIFIED_CACHE_SIZE = 10_000


class SessionTokens:
    def __init__(self, secret: str) -> None:
        self._secret = secret
        # token -> (identity, exp): what a signature check proved once. A JWT
        # cannot change, so its signature need not be checked again; only
        # ``exp`` is compared with the clock on every use. Whether the session
        # still stands is NOT remembered: the caller reads its row every time.
        self._verified: OrderedDict[str, tuple[Identity, int]] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self, tenant: str, user_id: int, session_id: str, expires_at: datetime) -> str:
        """A token for the session ``session_id``, expiring with it."""
        payload = {
            "tenant": tenant,
            "sub": str(user_id),
            "sid": session_id,
            "iat": int(datetime.now(expires_at.tzinfo).timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Identity:
        """The identity a well-signed, unexpired token claims (the session row
        still has to be checked).

        The signature check costs about a third of authenticating a request,
        so a token that passed it is remembered (bounded, per process) and
        only its expiry is checked again.
        """
        with self._lock:
            known = self._verified.get(token)
            if known is not None:
                self._verified.move_to_end(token)
        if known is not None:
            identity, expires = known
            if time.time() < expires:
                return identity
            raise InvalidToken(Message("account.token_invalid"))
        try:
            payload = jwt.decode(token, self._secret, algorithms=["HS256"])
            sid = payload["sid"]
            if not isinstance(sid, str) or not sid:
                raise ValueError("no session id")
            identity = Identity(str(payload["tenant"]), int(payload["sub"]), sid)
            expires = int(payload["exp"])
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as err:
            raise InvalidToken(Message("account.token_invalid")) from err
        with self._lock:
            self._verified[token] = (identity, expires)
            while len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return identity


API_TOKEN_PREFIX = "fwt."


def api_token_tenant(token: str) -> str | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    parts = token.split(".")
    return parts[1] if len(parts) == 3 else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of an API token: never its secret nor its hash."""

    id: int
    name: str
    user_id: int
    username: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "name": self.name,
            "user_id": self.user_id,
            "username": self.username,
            "created_at": self.created_at.isoformat(),
            "expires_at": iso(self.expires_at),
            "last_used_at": iso(self.last_used_at),
            "revoked_at": iso(self.revoked_at),
        }


@dataclass(frozen=True)
class CreatedToken:
    info: TokenInfo
    secret: str


def create_api_token(
    conn: Connection, tenant: str, user: User, name: str, *, now: datetime, expires_at: datetime
) -> CreatedToken:
    """A new API token for ``user``; its text is returned here and never again."""
    token = f"{API_TOKEN_PREFIX}{tenant}.{secrets.token_urlsafe(32)}"
    token_id = conn.execute(
        insert(api_tokens).values(
            user_id=user.id,
            name=name,
            token_hash=_digest(token),
            created_at=now,
            expires_at=expires_at,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    info = TokenInfo(int(token_id), name, user.id, user.username, now, expires_at, None, None)
    return CreatedToken(info, token)


@dataclass(frozen=True)
class TokenUser:
    """The user of a live API token, and the token's bookkeeping."""

    user: User
    token_id: int
    last_used_at: datetime | None


# Built once: this runs on every request that carries an API token. Tokens
# created before expiry existed (expires_at NULL) keep working until revoked.
_TOKEN_USER = (
    select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
    .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
    .where(
        api_tokens.c.token_hash == bindparam("digest"),
        api_tokens.c.revoked_at.is_(None),
        (api_tokens.c.expires_at.is_(None)) | (api_tokens.c.expires_at > bindparam("now")),
        users.c.is_active,
    )
)


def token_user(conn: Connection, token: str, now: datetime) -> TokenUser | None:
    """The active user of a live (not revoked, not expired) API token, or None."""
    row = conn.execute(_TOKEN_USER, {"digest": _digest(token), "now": now}).first()
    if row is None:
        return None
    return TokenUser(user_from_row(row), int(row.token_id), row.last_used_at)


def touch_token(conn: Connection, token_id: int, now: datetime) -> None:
    """Record use; a no-op when another process did so within a minute."""
    conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            (api_tokens.c.last_used_at.is_(None))
            | (api_tokens.c.last_used_at < now - TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
    )


_TOKEN_ROWS = select(
    api_tokens.c.id,
    api_tokens.c.name,
    api_tokens.c.user_id,
    users.c.username,
    api_tokens.c.created_at,
    api_tokens.c.expires_at,
    api_tokens.c.last_used_at,
    api_tokens.c.revoked_at,
).select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))


def _token_info(row: Any) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.name,
        row.user_id,
        row.username,
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
    )


def list_tokens(conn: Connection, user_id: int | None) -> list[TokenInfo]:
    """Tokens of one user, or of everyone when ``user_id`` is None; newest first."""
    query = _TOKEN_ROWS.order_by(api_tokens.c.id.desc())
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [_token_info(row) for row in conn.execute(query)]


def find_token(conn: Connection, token_id: int) -> TokenInfo | None:
    row = conn.execute(_TOKEN_ROWS.where(api_tokens.c.id == token_id)).first()
    return None if row is None else _token_info(row)


def revoke_token(conn: Connection, token_id: int, now: datetime) -> bool:
    """Revoke one token; False when it was already revoked (or does not exist)."""
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


def revoke_user_tokens(conn: Connection, user_id: int, now: datetime) -> int:
    """Revoke every live token of the user; returns how many were revoked."""
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)
