"""Access tokens: short-lived signed session tokens and long-lived API tokens.

Session tokens are JWTs (HS256) naming the tenant and the user. API tokens
are random secrets shown once; only their SHA-256 is stored. Their text
names the tenant (``fwt.<tenant>.<secret>``) so a request can be routed to
the tenant's store before the token is looked up there.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import Connection, insert, select

from engine.store.tables import api_tokens

SESSION_HOURS = 12


@dataclass(frozen=True)
class Identity:
    tenant: str
    user_id: int


class InvalidToken(Exception):
    pass


class SessionTokens:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def issue(self, tenant: str, user_id: int, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        payload = {
            "tenant": tenant,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=SESSION_HOURS)).timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Identity:
        try:
            payload = jwt.decode(token, self._secret, algorithms=["HS256"])
            return Identity(str(payload["tenant"]), int(payload["sub"]))
        except (jwt.PyJWTError, KeyError, ValueError) as err:
            raise InvalidToken("the token is invalid or expired") from err


API_TOKEN_PREFIX = "fwt."


def api_token_tenant(token: str) -> str | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    parts = token.split(".")
    return parts[1] if len(parts) == 3 else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(conn: Connection, tenant: str, user_id: int, name: str) -> str:
    token = f"{API_TOKEN_PREFIX}{tenant}.{secrets.token_urlsafe(32)}"
    conn.execute(
        insert(api_tokens).values(
            user_id=user_id, name=name, token_hash=_digest(token), created_at=datetime.now(UTC)
        )
    )
    return token


def verify_api_token(conn: Connection, token: str) -> int:
    row = conn.execute(
        select(api_tokens.c.id, api_tokens.c.user_id).where(
            api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        raise InvalidToken("the API token is unknown or revoked")
    return int(row.user_id)
