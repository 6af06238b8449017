"""Heavy-operation slots: at most N per tenant and kind, across connections, on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.platform import Platform
from engine.store.leases import Lease, SlotsBusy, claim, holding, release
from engine.store.tables import heavy_operations

MINUTE = timedelta(minutes=1)


def _claim(platform: Platform, tenant: str, limit: int, ttl: timedelta = MINUTE) -> Lease:
    with platform.store.write(tenant) as conn:
        return claim(conn, "import", limit, ttl)


def test_at_most_limit_slots_then_busy_with_a_retry_after(platform: Platform, tenant: str) -> None:
    first = _claim(platform, tenant, 2)
    second = _claim(platform, tenant, 2)
    assert {first.slot, second.slot} == {0, 1}
    with pytest.raises(SlotsBusy) as busy:
        _claim(platform, tenant, 2)
    assert busy.value.limit == 2 and 1 <= busy.value.retry_after <= 30
    # Another kind has slots of its own.
    with platform.store.write(tenant) as conn:
        claim(conn, "export", 2, MINUTE)
    with platform.store.write(tenant) as conn:
        release(conn, first)
    assert _claim(platform, tenant, 2).slot == first.slot


def test_an_expired_lease_is_reclaimed(platform: Platform, tenant: str) -> None:
    crashed = _claim(platform, tenant, 1, ttl=timedelta(seconds=-1))
    taken = _claim(platform, tenant, 1)
    assert taken.slot == crashed.slot and taken.holder != crashed.holder
    # The crashed holder coming back must not free the new holder's slot.
    with platform.store.write(tenant) as conn:
        release(conn, crashed)
    with pytest.raises(SlotsBusy):
        _claim(platform, tenant, 1)


def test_a_limit_below_one_means_no_bound(platform: Platform, tenant: str) -> None:
    for _ in range(5):
        assert _claim(platform, tenant, 0).slot == -1
    with platform.store.read(tenant) as conn:
        assert conn.scalar(select(func.count()).select_from(heavy_operations)) == 0


def test_racing_connections_never_hold_more_than_the_limit(platform: Platform, tenant: str) -> None:
    racers = 8
    start = threading.Barrier(racers)
    won: list[Lease] = []
    refused: list[SlotsBusy] = []
    lock = threading.Lock()

    def race() -> None:
        start.wait()
        try:
            lease = _claim(platform, tenant, 2)
        except SlotsBusy as busy:
            with lock:
                refused.append(busy)
        else:
            with lock:
                won.append(lease)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(won) == 2 and len(refused) == racers - 2
    assert {lease.slot for lease in won} == {0, 1}


def test_holding_gives_the_slot_back_even_on_error(platform: Platform, tenant: str) -> None:
    with pytest.raises(RuntimeError), holding(platform.store, tenant, "import", 1, MINUTE):
        with pytest.raises(SlotsBusy), holding(platform.store, tenant, "import", 1, MINUTE):
            pass
        raise RuntimeError("the operation failed")
    with holding(platform.store, tenant, "import", 1, MINUTE) as lease:
        assert lease.slot == 0 and lease.expires_at > datetime.now(UTC)
