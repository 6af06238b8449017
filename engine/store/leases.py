"""At most N heavy operations of a kind per tenant at once, across every process.

A heavy operation (a spreadsheet import or export, later a batch print) claims
one of ``limit`` numbered slots: a row of ``heavy_operations`` keyed by
(kind, slot) naming its holder and when the claim expires. The claim and the
release are each one short write transaction of their own, never the
operation's transaction, so the slot table is never locked for long. A row
whose ``expires_at`` has passed is free again: a process that died while
holding a slot blocks its tenant only until then.

Two processes racing for the same free slot cannot both win: an expired row
is taken with a conditional ``UPDATE … WHERE expires_at <= now`` (PostgreSQL
re-checks the condition after the other writer commits) and a missing row is
created with ``INSERT … ON CONFLICT DO NOTHING``; the one that changes no row
tries the next slot.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.errors import DomainError
from engine.store.store import Store
from engine.store.tables import heavy_operations as slots

#: The longest ``Retry-After`` suggested, even when every lease runs longer.
MAX_RETRY_AFTER = 30


@dataclass(frozen=True)
class Lease:
    """A claimed slot; give it back with ``release``."""

    kind: str
    slot: int
    holder: str
    expires_at: datetime


class SlotsBusy(DomainError):
    """Every slot of ``kind`` is held: try again in ``retry_after`` seconds (429)."""

    status = 429
    title = "Too many requests"

    def __init__(self, kind: str, limit: int, retry_after: int) -> None:
        super().__init__(f"{limit} {kind}(s) are already running for this tenant")
        self.kind = kind
        self.limit = limit
        self.retry_after = retry_after

    def problem_detail(self) -> str:
        return f"{self}: try again shortly"

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": self.kind, "message": f"at most {self.limit} at a time per tenant"}]


def _insert_if_absent(conn: Connection, values: dict[str, object]) -> bool:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(slots).values(**values).on_conflict_do_nothing().returning(slots.c.slot)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    return conn.execute(statement).first() is not None


def claim(
    conn: Connection, kind: str, limit: int, ttl: timedelta, now: datetime | None = None
) -> Lease:
    """Claim a free slot of ``kind`` in ``conn``'s transaction; ``SlotsBusy`` if none is.

    ``limit`` below 1 means no bound: a lease is still answered (slot -1, not
    stored), so callers need no special case.
    """
    now = now or datetime.now(UTC)
    holder = secrets.token_hex(16)
    expires_at = now + ttl
    if limit < 1:
        return Lease(kind, -1, holder, expires_at)
    for slot in range(limit):
        taken = conn.execute(
            update(slots)
            .where(slots.c.kind == kind, slots.c.slot == slot, slots.c.expires_at <= now)
            .values(holder=holder, started_at=now, expires_at=expires_at)
            .returning(slots.c.slot)
        ).first()
        values = {
            "kind": kind,
            "slot": slot,
            "holder": holder,
            "started_at": now,
            "expires_at": expires_at,
        }
        if taken is not None or _insert_if_absent(conn, values):
            return Lease(kind, slot, holder, expires_at)
    soonest = conn.scalar(
        select(slots.c.expires_at)
        .where(slots.c.kind == kind, slots.c.slot < limit)
        .order_by(slots.c.expires_at)
        .limit(1)
    )
    wait = (soonest - now).total_seconds() if soonest is not None else 1
    raise SlotsBusy(kind, limit, max(1, min(MAX_RETRY_AFTER, math.ceil(wait))))


def release(conn: Connection, lease: Lease) -> None:
    """Give the slot back, unless it expired and someone else holds it by now."""
    if lease.slot < 0:
        return
    conn.execute(
        delete(slots).where(
            and_(
                slots.c.kind == lease.kind,
                slots.c.slot == lease.slot,
                slots.c.holder == lease.holder,
            )
        )
    )


@contextmanager
def holding(store: Store, tenant: str, kind: str, limit: int, ttl: timedelta) -> Iterator[Lease]:
    """Hold a slot of ``kind`` in ``tenant`` for the ``with`` block (``SlotsBusy`` if none).

    The claim and the release are short transactions of their own; the block
    runs between them and opens its own transactions.
    """
    with store.write(tenant) as conn:
        lease = claim(conn, kind, limit, ttl)
    try:
        yield lease
    finally:
        with store.write(tenant) as conn:
            release(conn, lease)


__all__ = ["Lease", "SlotsBusy", "claim", "holding", "release"]
