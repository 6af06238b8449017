"""Periodic schedules: one tick is one job, however many workers look at it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.jobs import Schedule
from engine.jobs.schedules import fire_due, next_tick, sync
from engine.platform import Platform
from engine.store.tables import job_schedules, jobs
from tests.engine.jobs.kit import make_kinds

T0 = datetime(2026, 3, 2, 0, 55, tzinfo=UTC)


def test_cron_ticks_follow_the_time_zone() -> None:
    # 09:00 in Shanghai is 01:00 UTC.
    assert next_tick("0 9 * * *", "Asia/Shanghai", T0) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert next_tick("*/10 * * * *", "UTC", T0) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_one_tick_is_one_job_with_several_claimers(platform: Platform, tenant: str) -> None:
    store, kinds = platform.store, make_kinds()
    kinds.schedule(Schedule("nightly", "test.effect", "0 9 * * *", "Asia/Shanghai", {"x": 1}))
    with store.write(tenant) as conn:
        sync(conn, tenant, kinds.schedules, T0)
    tick = T0 + timedelta(minutes=5)
    fired: list[list[int]] = []
    barrier = threading.Barrier(4)

    def claimer() -> None:
        barrier.wait()
        with store.write(tenant) as conn:
            fired.append(fire_due(conn, tick + timedelta(seconds=1)))

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(len(ids) for ids in fired) == [0, 0, 0, 1]
    with store.read(tenant) as conn:
        rows = conn.execute(select(jobs.c.kind, jobs.c.payload, jobs.c.dedupe_key)).all()
        schedule = conn.execute(select(job_schedules)).one()
    assert [tuple(r) for r in rows] == [
        (
            "test.effect",
            {"x": 1, "tick": "2026-03-02T01:00:00+00:00"},
            "schedule:nightly:2026-03-02T01:00:00+00:00",
        )
    ]
    assert schedule.next_run_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    # Missed ticks are coalesced: three days later, one job, and the next tick is ahead.
    with store.write(tenant) as conn:
        assert len(fire_due(conn, tick + timedelta(days=3))) == 1
        assert fire_due(conn, tick + timedelta(days=3)) == []


def test_a_schedule_lives_only_where_it_applies(platform: Platform, tenant: str) -> None:
    store, kinds = platform.store, make_kinds()
    wanted = {"yes": False}
    kinds.schedule(
        Schedule("maybe", "test.effect", "*/10 * * * *", applies=lambda *_: wanted["yes"])
    )
    with store.write(tenant) as conn:
        sync(conn, tenant, kinds.schedules, T0)
        assert conn.execute(select(job_schedules)).all() == []
        wanted["yes"] = True
        sync(conn, tenant, kinds.schedules, T0)
        assert conn.scalar(select(job_schedules.c.next_run_at)) == T0 + timedelta(minutes=5)
        wanted["yes"] = False
        sync(conn, tenant, kinds.schedules, T0)
        assert conn.execute(select(job_schedules)).all() == []
