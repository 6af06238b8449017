"""The login throttle's counters and backoff, on the catalogue of both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from engine.accounts import login_throttle as throttle
from engine.platform import Platform
from engine.store.tables import login_throttle

POLICY = throttle.ThrottlePolicy()


@contextmanager
def catalog(platform: Platform) -> Iterator[Connection]:
    with platform.store.catalog.connect() as conn:
        conn = conn.execution_options(formwork_write=True)
        with conn.begin():
            yield conn


def test_the_wait_doubles_from_the_threshold_up_to_the_cap() -> None:
    waits = [POLICY.delay(n, POLICY.account) for n in range(1, 17)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:10] == [1, 2, 4, 8, 16, 32]
    assert waits[-1] == 900 and POLICY.delay(10_000, POLICY.account) == 900
    assert POLICY.delay(29, POLICY.ip) == 0 and POLICY.delay(30, POLICY.ip) == 1


def test_failures_count_lock_and_are_forgotten(platform: Platform) -> None:
    key = throttle.account_key("t_forget", "someone")
    now = datetime.now(UTC)
    with catalog(platform) as conn:
        waits = [throttle.record_failure(conn, key, POLICY.account, POLICY, now) for _ in range(5)]
        assert waits == [0, 0, 0, 0, 1]
        assert throttle.retry_after(conn, [key, "ip:none"], now) == 1
        assert throttle.retry_after(conn, [key], now + timedelta(seconds=2)) is None
        # After an hour without failures the count starts again.
        later = now + POLICY.account.memory + timedelta(seconds=1)
        assert throttle.record_failure(conn, key, POLICY.account, POLICY, later) == 0
        assert (
            conn.scalar(select(login_throttle.c.failures).where(login_throttle.c.key == key)) == 1
        )
        throttle.clear(conn, key)
        assert not throttle.has_failures(conn, key)


def test_stale_counters_are_dropped(platform: Platform) -> None:
    key = throttle.ip_key("192.0.2.250")
    long_ago = datetime.now(UTC) - timedelta(days=1)
    with catalog(platform) as conn:
        throttle.record_failure(conn, key, POLICY.ip, POLICY, long_ago)
        throttle.forget_stale(conn, POLICY, datetime.now(UTC))
        assert not throttle.has_failures(conn, key)


def test_concurrent_failures_all_count(platform: Platform) -> None:
    key = throttle.account_key("t_race", "someone")
    now = datetime.now(UTC)
    errors: list[BaseException] = []

    def fail() -> None:
        try:
            with catalog(platform) as conn:
                throttle.record_failure(conn, key, POLICY.account, POLICY, now)
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with catalog(platform) as conn:
        assert (
            conn.scalar(select(login_throttle.c.failures).where(login_throttle.c.key == key)) == 8
        )
        throttle.clear(conn, key)
