"""Who is calling: the tenant, the user, and the session or API token used.

There is deliberately no cache here. Every request checks its session row or
API-token row joined to an active user (one indexed query,
``engine.accounts.sessions.session_user`` / ``engine.accounts.tokens.token_user``),
so logging out, revoking a session or token, or deactivating a user takes
effect on the very next request in every API process.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.accounts.users import User


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. Exactly one of ``session_id``/``token_id`` is set
    for a principal built from a request; both stay ``None`` for internal callers."""

    tenant: str
    user: User
    session_id: str | None = None
    token_id: int | None = None
