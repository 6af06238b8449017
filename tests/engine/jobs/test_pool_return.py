"""The pool's auto-return is the first periodic job: stale leads go back by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from engine.actions.jobs import POOL_RETURN
from engine.jobs import Worker, admin, due
from engine.jobs.schedules import fire_due
from engine.platform import Platform
from engine.store.tables import job_schedules, jobs
from tests.engine.actions.sales_app import NOW, install_sales


def test_the_schedule_returns_a_stale_lead(platform: Platform, tenant: str) -> None:
    worker = Worker(platform.store, platform.jobs)
    worker.sweep()  # no app yet: no schedule in this tenant
    with platform.store.read(tenant) as conn:
        assert conn.execute(select(job_schedules)).all() == []
    sales = install_sales(platform, tenant)
    stale = sales.lead("Stale", owner=sales.ids["rep_a"], assigned_at=NOW.isoformat())
    fresh = sales.lead(
        "Fresh", owner=sales.ids["rep_a"], last_followed_up_at=datetime.now(UTC).isoformat()
    )
    worker.sweep()  # the app has a pool that returns leads: the schedule applies
    with platform.store.read(tenant) as conn:
        schedule = conn.execute(select(job_schedules)).one()
    assert (schedule.name, schedule.kind, schedule.cron) == (
        POOL_RETURN,
        POOL_RETURN,
        "*/10 * * * *",
    )
    # The tick comes (at most 10 minutes away; here, a minute ago): one job, run by the worker.
    now = datetime.now(UTC)
    with platform.store.write(tenant) as conn:
        conn.execute(update(job_schedules).values(next_run_at=now - timedelta(minutes=1)))
        (job_id,) = fire_due(conn, now)
    assert tenant in due.due_now(platform.store.catalog, datetime.now(UTC))
    assert worker.run_once() >= 1
    with platform.store.read(tenant) as conn:
        job = admin.get_job(conn, job_id)
        kinds = list(conn.scalars(select(jobs.c.kind)))
    assert kinds == [POOL_RETURN]
    assert job["status"] == "done", job
    assert job["result"]["pools"] == [
        {"app": "sales", "pool": "lead_pool", "returned": 1, "failed": {}}
    ]
    assert sales.read("lead", stale)["owner"] is None
    assert sales.read("lead", fresh)["owner"] == sales.ids["rep_a"]
