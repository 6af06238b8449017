"""The tenant's time zone: one setting, read in one place, used wherever "today" matters."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.definition import AppDefinition
from engine.forms.context import WriteContext
from engine.forms.runtime import build_runtime
from engine.forms.transfer.cells import from_cell, to_cell
from engine.jobs import TENANT_ZONE, Schedule
from engine.jobs.schedules import sync
from engine.platform import Platform
from engine.store.tables import job_schedules
from engine.tenancy import DEFAULT_TIMEZONE, set_tenant_timezone, tenant_timezone

# 23:30 UTC on 1 March: already 2 March in Shanghai, still 1 March in New York.
LATE = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
APP = AppDefinition.model_validate(
    {
        "key": "tz",
        "version": "1.0.0",
        "entities": [{"key": "visit", "fields": [{"key": "at", "type": "datetime"}]}],
    }
)
RUNTIME = build_runtime(APP)


def test_a_tenant_that_never_chose_has_the_default(platform: Platform, tenant: str) -> None:
    with platform.store.read(tenant) as conn:
        assert tenant_timezone(conn) == ZoneInfo(DEFAULT_TIMEZONE) == ZoneInfo("Asia/Shanghai")


def test_the_chosen_zone_is_kept_and_can_change(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, "Europe/Berlin")
        set_tenant_timezone(conn, "America/New_York")
    with platform.store.read(tenant) as conn:
        assert tenant_timezone(conn) == ZoneInfo("America/New_York")


def test_an_unknown_zone_is_refused_and_nothing_changes(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn, pytest.raises(ValueError, match="Mars/Olympus"):
        set_tenant_timezone(conn, "Mars/Olympus")
    with platform.store.read(tenant) as conn:
        assert tenant_timezone(conn).key == DEFAULT_TIMEZONE


def test_today_of_a_write_is_the_tenants(platform: Platform, tenant: str) -> None:
    with platform.store.read(tenant) as conn:
        ctx = WriteContext(conn, RUNTIME, "visit", None, LATE)
        assert ctx.eval_context().today().isoformat() == "2026-03-02"
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, "America/New_York")
    with platform.store.read(tenant) as conn:
        ctx = WriteContext(conn, RUNTIME, "visit", None, LATE)
        assert ctx.eval_context().today().isoformat() == "2026-03-01"


def test_schedules_in_the_tenant_zone_follow_its_setting(platform: Platform, tenant: str) -> None:
    nine = Schedule("morning", "test.effect", "0 9 * * *", TENANT_ZONE)
    with platform.store.write(tenant) as conn:
        sync(conn, tenant, [nine], LATE)
        first = conn.execute(select(job_schedules)).one()
    assert first.timezone == "Asia/Shanghai"
    assert first.next_run_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, "Europe/Berlin")
        sync(conn, tenant, [nine], LATE)
        moved = conn.execute(select(job_schedules)).one()
    assert moved.timezone == "Europe/Berlin"
    assert moved.next_run_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def test_spreadsheet_date_times_are_in_the_given_zone() -> None:
    at = RUNTIME.entities["visit"].fields["at"]
    berlin = ZoneInfo("Europe/Berlin")
    cell = to_cell(at, "2026-03-01T23:30:00+00:00", None, "en", berlin)
    assert cell == datetime(2026, 3, 2, 0, 30)
    assert from_cell(at, cell, lambda *_: 0, berlin) == "2026-03-02T00:30:00+01:00"


def test_the_expression_engines_default_is_the_default_tenants() -> None:
    # engine.expressions knows no tenants, so it keeps its own copy of the default.
    from engine.expressions import TENANT_TZ

    assert TENANT_TZ.key == DEFAULT_TIMEZONE
