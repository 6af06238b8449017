"""Session tokens: a verified signature is remembered, its expiry never is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from engine.accounts import tokens
from engine.accounts.tokens import InvalidToken, SessionTokens


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = SessionTokens("secret-" * 8)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    token = sessions.issue("acme", 7, "sid-1", expires)
    assert sessions.verify(token).session_id == "sid-1"
    assert sessions.verify(token).user_id == 7  # the second answer comes from memory
    later = expires.timestamp() + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        sessions.verify(token)


def test_a_forged_token_is_never_remembered() -> None:
    sessions = SessionTokens("secret-" * 8)
    payload = {"tenant": "acme", "sub": "1", "sid": "x", "exp": 2**40}
    forged = jwt.encode(payload, "another-secret-" * 4, algorithm="HS256")
    for _ in range(2):
        with pytest.raises(InvalidToken):
            sessions.verify(forged)


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    sessions = SessionTokens("secret-" * 8)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    for n in range(10):
        sessions.verify(sessions.issue("acme", n, f"sid-{n}", expires))
    assert len(sessions._verified) == 3
