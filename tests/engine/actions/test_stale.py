"""The automatic return to the pool: which leads are stale, batches, the system as author."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from engine.actions import return_stale, run_pool_jobs
from engine.forms.runtime import AppRuntime
from engine.store.tables import audit_log
from tests.engine.actions.sales_app import NOW, Sales, install_sales, sales_app


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def owned(sales: Sales, company: str, **values: Any) -> int:
    return sales.lead(company, owner=sales.ids["rep_a"], **values)


def test_leads_nobody_followed_up_go_back(sales: Sales) -> None:
    stale = owned(sales, "Followed 8 days ago", last_followed_up_at=ago(8))
    exactly = owned(sales, "Followed 7 days ago", last_followed_up_at=ago(7))
    assigned = owned(sales, "Assigned long ago", assigned_at=ago(30))
    for company, values in [
        ("Followed 6 days ago", {"last_followed_up_at": ago(6)}),
        # The latest clock that is set counts: followed up lately, assigned long ago…
        ("Followed lately", {"last_followed_up_at": ago(2), "assigned_at": ago(30)}),
        # …and claimed today, its last follow-up (a previous owner's) long ago.
        ("Claimed today", {"last_followed_up_at": ago(30), "assigned_at": ago(0)}),
        ("Invalid", {"assigned_at": ago(30), "status": "invalid"}),  # auto_return.when
        ("Converted", {"assigned_at": ago(30), "status": "converted"}),  # not open
        ("Never touched", {}),  # no clock at all
    ]:
        owned(sales, company, **values)
    sales.lead("In the pool", assigned_at=ago(30))
    with sales.system(NOW) as ctx:
        batch = return_stale(ctx, ctx.app, "lead_pool")
    assert sorted(batch.returned) == sorted([stale, exactly, assigned]) and batch.failed == {}
    back = sales.read("lead", stale)
    assert back["owner"] is None and back["return_reason"] == "no_follow_up"
    assert back["times_returned"] == 1 and back["updated_by"] is None
    with sales.platform.store.read(sales.tenant) as conn:
        entries = conn.execute(
            select(audit_log.c.user_id, audit_log.c.action, audit_log.c.after)
            .where(audit_log.c.record_id == stale, audit_log.c.entity == "lead")
            .order_by(audit_log.c.id)
        ).all()
    assert [(e.user_id, e.action) for e in entries] == [
        (None, "create"),
        (None, "update"),
        (None, "action"),
    ]
    assert entries[1].after["owner"] is None
    assert entries[2].after == {
        "action": "auto_return",
        "pool": "lead_pool",
        "owner": sales.ids["rep_a"],
        "reason": "no_follow_up",
    }
    with sales.system(NOW) as ctx:
        assert return_stale(ctx, ctx.app, "lead_pool").returned == []


def test_a_date_field_counts_calendar_days(platform: Any, tenant: str) -> None:
    definition = sales_app()
    definition["pools"][0]["auto_return"]["since"] = ["next_call_on"]
    sales = install_sales(platform, tenant, definition)
    # NOW is 17:00 on 2 March in Shanghai: three days before is 27 February.
    due = owned(sales, "Call was due", next_call_on="2026-02-27")
    owned(sales, "Call is recent", next_call_on="2026-02-28")
    with sales.system(NOW) as ctx:
        assert return_stale(ctx, ctx.app, "lead_pool").returned == []
    with sales.system(NOW + timedelta(days=4)) as ctx:
        assert return_stale(ctx, ctx.app, "lead_pool").returned == [due]


def test_batches_are_bounded_and_a_broken_record_does_not_stop_the_others(
    sales: Sales,
) -> None:
    leads = [owned(sales, f"Stale {i}", assigned_at=ago(10)) for i in range(5)]
    with sales.platform.store.write(sales.tenant) as conn:
        table = sales.runtime(conn).entities["lead"].table
        # Data from before a rule was added: the company is required now.
        conn.execute(update(table).where(table.c.id == leads[1]).values(company=None))
    with sales.system(NOW) as ctx:
        first = return_stale(ctx, ctx.app, "lead_pool", limit=3)
    assert first.returned == [leads[0], leads[2]]
    assert list(first.failed) == [leads[1]] and "company: is required" in first.failed[leads[1]]
    assert sales.read("lead", leads[1])["owner"] == sales.ids["rep_a"]

    @contextmanager
    def write() -> Iterator[Connection]:
        with sales.platform.store.write(sales.tenant) as conn:
            yield conn

    def runtime_of(conn: Connection, key: str) -> AppRuntime:
        return sales.platform.runtime(conn, sales.tenant, key)

    runs = run_pool_jobs(write, runtime_of, NOW, batch_size=1)
    assert [(r.app, r.pool, r.returned, list(r.failed)) for r in runs] == [
        ("sales", "lead_pool", 2, [leads[1]])
    ]
    assert [sales.read("lead", i)["owner"] for i in leads] == [
        None,
        sales.ids["rep_a"],
        None,
        None,
        None,
    ]
