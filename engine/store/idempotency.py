"""Replayable writes: the ``Idempotency-Key`` request header (IETF draft
"The Idempotency-Key HTTP Header Field", draft-ietf-httpapi-idempotency-key-header).

A client that may send a write twice (a double click, a retry after a lost
answer) sends a fresh key with it. The first request with a key writes and
its answer (status and body) is stored **in the same transaction** as the
write: either both commit or neither does, so a key never names a write that
did not happen, nor a write happen without its key. Later requests with the
same key from the same user get that answer again, without writing.

The draft's answers, followed here:

* the same key with another request (another body, another endpoint):
  ``IdempotencyKeyReused``, 422;
* the same key while its first request is still running (a concurrent
  retry): ``IdempotencyKeyBusy``, 409 — the second writer's insert of the
  key waits on the first one's row and fails once it commits;
* a key older than ``KEY_LIFETIME`` (24 hours) is forgotten: the request
  runs as new.

Failed requests store nothing (their transaction rolls back), so a retry
after a 422 runs again, which is what a user correcting a form wants.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from engine.errors import TITLES, DomainError
from engine.i18n import Message
from engine.store.tables import idempotency_keys

#: How long a key replays its first answer (the draft suggests at least 24 hours).
KEY_LIFETIME = timedelta(hours=24)
#: Longest key accepted; clients send UUIDs (36 characters).
MAX_KEY_LENGTH = 255


class IdempotencyKeyInvalid(DomainError):
    """The header is not a usable key (empty, too long, not printable ASCII)."""

    status = 400
    title = TITLES[400]


class IdempotencyKeyReused(DomainError):
    """The key was first sent with another request: its answer cannot be this one's."""

    status = 422
    title = TITLES[422]


class IdempotencyKeyBusy(DomainError):
    """A request with this key is still running; its answer is not known yet."""

    status = 409
    title = TITLES[409]


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a key: replayed as is."""

    status: int
    body: str


def parse_key(header: str) -> str:
    """The key of an ``Idempotency-Key`` header value (a structured-field string).

    The draft makes it an sf-string (``"8e03…"``); a bare token is accepted
    too, as most clients send one.
    """
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise IdempotencyKeyInvalid(Message("idempotency.invalid", max=MAX_KEY_LENGTH))
    return key


def request_hash(body: Any) -> str:
    """A fingerprint of a request's JSON body, independent of key order and spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_answer(
    conn: Connection, user_id: int, key: str, request: str, fingerprint: str, now: datetime
) -> StoredAnswer | None:
    """The answer stored for ``key``, or None when the request is to run.

    Raises ``IdempotencyKeyReused`` when the key came with another request.
    An expired key is deleted here, so the request runs and stores it anew.
    """
    table = idempotency_keys
    where = (table.c.user_id == user_id, table.c.key == key)
    columns = (table.c.request, table.c.request_hash, table.c.status, table.c.body)
    row = conn.execute(select(*columns, table.c.created_at).where(*where)).first()
    if row is None:
        return None
    if row.created_at <= now - KEY_LIFETIME:
        conn.execute(delete(table).where(*where))
        return None
    if row.request != request or row.request_hash != fingerprint:
        raise IdempotencyKeyReused(Message("idempotency.reused"))
    return StoredAnswer(int(row.status), str(row.body))


def remember_answer(
    conn: Connection,
    user_id: int,
    key: str,
    request: str,
    fingerprint: str,
    answer: StoredAnswer,
    now: datetime,
) -> None:
    """Store the first answer of ``key`` in the write's transaction.

    Also forgets the user's expired keys, so the table holds about one day of
    each user's writes. A concurrent request that stored the key first makes
    this one ``IdempotencyKeyBusy`` (its transaction then rolls back).
    """
    table = idempotency_keys
    conn.execute(
        delete(table).where(table.c.user_id == user_id, table.c.created_at <= now - KEY_LIFETIME)
    )
    try:
        with conn.begin_nested():
            conn.execute(
                insert(table).values(
                    user_id=user_id,
                    key=key,
                    request=request[:500],
                    request_hash=fingerprint,
                    status=answer.status,
                    body=answer.body,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise IdempotencyKeyBusy(Message("idempotency.busy")) from None


__all__ = [
    "KEY_LIFETIME",
    "IdempotencyKeyBusy",
    "IdempotencyKeyInvalid",
    "IdempotencyKeyReused",
    "StoredAnswer",
    "parse_key",
    "remember_answer",
    "request_hash",
    "stored_answer",
]
