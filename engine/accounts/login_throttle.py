"""Login throttling with exponential backoff, shared by every API process.

Failed log-ins are counted per account (tenant + user name, whether or not
the account exists, so the answer says nothing about existence) and per
client IP, in the catalogue table ``login_throttle``. Once a key reaches its
threshold, each further failure makes it wait ``base`` seconds doubling per
failure, up to ``max_delay``. While a key waits, log-ins are refused before
the password is checked. A successful log-in clears the account's counter
(not the IP's). Counters are forgotten after a quiet ``memory`` period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.store.tables import login_throttle


@dataclass(frozen=True)
class Limit:
    """When one kind of key starts to wait, and how long it remembers failures."""

    threshold: int
    memory: timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    account: Limit = Limit(threshold=5, memory=timedelta(hours=1))
    ip: Limit = Limit(threshold=30, memory=timedelta(minutes=15))
    base_delay: float = 1.0
    max_delay: float = 900.0

    def delay(self, failures: int, limit: Limit) -> float:
        """Seconds to wait after ``failures`` failures (0 below the threshold)."""
        if failures < limit.threshold:
            return 0.0
        exponent = min(failures - limit.threshold, 32)  # 2**32 s is past any cap
        return float(min(self.base_delay * 2**exponent, self.max_delay))


def account_key(tenant: str, username: str) -> str:
    return f"account:{tenant}/{username}"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


def retry_after(conn: Connection, keys: list[str], now: datetime) -> int | None:
    """Whole seconds until every key may try again, or None when none waits."""
    waits = conn.scalars(
        select(login_throttle.c.locked_until).where(
            login_throttle.c.key.in_(keys), login_throttle.c.locked_until > now
        )
    ).all()
    if not waits:
        return None
    longest: float = max((until - now).total_seconds() for until in waits)
    return max(1, math.ceil(longest))


def record_failure(
    conn: Connection, key: str, limit: Limit, policy: ThrottlePolicy, now: datetime
) -> float:
    """Count one failure of ``key``; returns the wait it now imposes (0 = none).

    Run in a write transaction: the row is locked (``FOR UPDATE`` on
    PostgreSQL, the write lock on SQLite) so concurrent failures all count.
    """
    dialect = conn.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    conn.execute(
        insert(login_throttle)
        .values(key=key, failures=0, last_failure_at=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = conn.execute(
        select(login_throttle.c.failures, login_throttle.c.last_failure_at)
        .where(login_throttle.c.key == key)
        .with_for_update()
    ).one()
    failures = row.failures if row.last_failure_at >= now - limit.memory else 0
    failures += 1
    delay = policy.delay(failures, limit)
    conn.execute(
        update(login_throttle)
        .where(login_throttle.c.key == key)
        .values(
            failures=failures,
            last_failure_at=now,
            locked_until=now + timedelta(seconds=delay) if delay else None,
        )
    )
    return delay


def forget_stale(conn: Connection, policy: ThrottlePolicy, now: datetime) -> None:
    """Drop counters nobody remembers any more (keeps the table small)."""
    oldest = max(policy.account.memory, policy.ip.memory) + timedelta(seconds=policy.max_delay)
    conn.execute(delete(login_throttle).where(login_throttle.c.last_failure_at < now - oldest))


def clear(conn: Connection, key: str) -> None:
    """Forget a key's failures (after a successful log-in)."""
    conn.execute(delete(login_throttle).where(login_throttle.c.key == key))


def has_failures(conn: Connection, key: str) -> bool:
    return (
        conn.scalar(select(login_throttle.c.failures).where(login_throttle.c.key == key))
        is not None
    )
