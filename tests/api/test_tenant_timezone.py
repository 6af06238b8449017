"""A tenant in New York or Berlin sees its own calendar: aggregates, exports,
imports, date-times typed without an offset, formulas and pools.

The same records in a tenant left at the default (Asia/Shanghai) fall on other
days or hours, so each assertion below fails if the tenant's setting is not read.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from typer.testing import CliRunner

from api.cli import app
from api.platform import Platform
from engine.actions.pools import pool_masks, pool_reach
from engine.tenancy import DEFAULT_TIMEZONE, set_tenant_timezone, tenant_timezone
from tests.engine.actions.sales_app import OPEN, install_sales, sales_app

APP: dict[str, Any] = {
    "key": "diary",
    "version": "1.0.0",
    "entities": [
        {
            "key": "entry",
            "fields": [
                {"key": "title", "type": "text", "label": {"en": "Title"}},
                {"key": "at", "type": "datetime", "label": {"en": "At"}},
            ],
        }
    ],
}
BASE = "/api/apps/diary/entry"


def test_a_tenant_in_new_york_reads_its_own_calendar(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, "America/New_York")
    assert client.post("/api/apps", json=APP, headers=auth).status_code == 201
    # 16:30 UTC on 31 January: 11:30 in New York (still 1 February in Shanghai at 00:30).
    created = client.post(
        BASE, json={"title": "late", "at": "2026-02-01T00:30:00+08:00"}, headers=auth
    )
    assert created.status_code == 201, created.text

    groups = client.get(f"{BASE}/aggregate", params={"group_by": "at"}, headers=auth).json()
    assert [(g["at"], g["count"]) for g in groups["groups"]] == [("2026-01-31", 1)]

    exported = client.get(f"{BASE}/export", params={"format": "csv", "lang": "en"}, headers=auth)
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(row["Title"], row["At"]) for row in rows] == [("late", "2026-01-31 11:30:00")]

    # A wall-clock time typed into a sheet is New York time.
    sheet = b"Title,At\nearly,2026-03-02 08:00:00\n"
    imported = client.post(f"{BASE}/import", files={"file": ("in.csv", sheet)}, headers=auth)
    assert imported.status_code == 201, imported.text
    items = client.get(BASE, params={"q": "early"}, headers=auth).json()["items"]
    assert [item["at"] for item in items] == ["2026-03-02T13:00:00+00:00"]


def test_the_command_line_shows_and_sets_the_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMWORK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FORMWORK_PASSWORD_PROFILE", "fast")
    monkeypatch.delenv("FORMWORK_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["tenant", "create", "acme"]).exit_code == 0
    shown = runner.invoke(app, ["tenant", "timezone", "acme"])
    assert (shown.exit_code, shown.output) == (0, "Asia/Shanghai\n")
    refused = runner.invoke(app, ["tenant", "timezone", "acme", "Mars/Olympus"])
    assert refused.exit_code == 2 and "Mars/Olympus" in refused.output
    assert runner.invoke(app, ["tenant", "timezone", "acme", "Europe/Berlin"]).exit_code == 0
    shown = runner.invoke(app, ["tenant", "timezone", "acme"])
    assert shown.output == "Europe/Berlin\n"
    missing = runner.invoke(app, ["tenant", "timezone", "nobody"])
    assert missing.exit_code == 1


# -- Europe/Berlin: record input, formulas, pools, one reader -------------------------------
BERLIN_APP: dict[str, Any] = {
    **APP,
    "entities": [
        {
            "key": "entry",
            "fields": [
                *APP["entities"][0]["fields"],
                {"key": "day", "type": "formula", "expr": "DAY(at)", "result_type": "number"},
                {
                    "key": "steps",
                    "type": "subtable",
                    "fields": [{"key": "when", "type": "datetime"}],
                },
            ],
        }
    ],
}


def test_a_tenant_in_berlin_types_and_computes_in_berlin_time(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, "Europe/Berlin")
    assert client.post("/api/apps", json=BERLIN_APP, headers=auth).status_code == 201
    # Without an offset, 09:00 is Berlin's (summer time, UTC+2), in a sub-table too;
    # the default zone would have made it 01:00 UTC.
    created = client.post(
        BASE,
        json={
            "title": "typed",
            "at": "2026-07-01T09:00:00",
            "steps": [{"when": "2026-07-01 18:00"}],
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["at"] == "2026-07-01T07:00:00+00:00"
    assert record["steps"] == [{"when": "2026-07-01T16:00:00+00:00"}]
    assert record["day"] == 1
    # With an offset the zone does not matter; the formula's day is Berlin's:
    # 00:30 in Shanghai on 1 February is 17:30 on 31 January in Berlin.
    late = client.post(
        BASE, json={"title": "late", "at": "2026-02-01T00:30:00+08:00"}, headers=auth
    ).json()
    assert (late["at"], late["day"]) == ("2026-01-31T16:30:00+00:00", 31)
    changed = client.patch(
        f"{BASE}/{late['id']}",
        json={"at": "2026-02-01T00:30:00", "version": late["version"]},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["at"], changed.json()["day"]) == ("2026-01-31T23:30:00+00:00", 1)


def test_a_pool_counts_days_in_the_tenants_calendar(platform: Platform, tenant: str) -> None:
    # A zone whose calendar day is not the default zone's right now (at least
    # one of these two always differs from Shanghai's).
    now = datetime.now(UTC)
    default_day = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
    name = next(
        z
        for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
        if now.astimezone(ZoneInfo(z)).date() != default_day
    )
    local_day = now.astimezone(ZoneInfo(name)).date()
    definition = sales_app()
    definition["pools"][0]["open_when"] = f"{OPEN} and next_call_on == TODAY()"
    definition["pools"][0]["hidden_fields"] = ["contact_name"]
    sales = install_sales(platform, tenant, definition)
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, name)
    due = sales.lead("Due today here", next_call_on=local_day.isoformat())
    sales.lead("Due today in Shanghai", next_call_on=default_day.isoformat())
    with platform.store.read(tenant) as conn:
        rep = sales.context(conn, "rep_a")
        assert rep.user is not None
        table = rep.app.entities["lead"].table
        reach = pool_reach(conn, rep.app, "lead", rep.user, rep.roles)
        assert reach is not None
        assert list(conn.scalars(select(table.c.id).where(reach))) == [due]
        masked = pool_masks(conn, rep.app, "lead", rep.user, rep.roles)["contact_name"]
        assert list(conn.scalars(select(table.c.id).where(masked))) == [due]


def test_the_zone_is_read_once_per_transaction_and_a_change_is_seen(
    platform: Platform, tenant: str
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    with platform.store.write(tenant) as conn:
        event.listen(conn, "before_cursor_execute", count)
        try:
            first = tenant_timezone(conn)
            assert tenant_timezone(conn) is first
            assert sum("tenant_settings" in s for s in statements) == 1
            set_tenant_timezone(conn, "Europe/Berlin")
            assert tenant_timezone(conn).key == "Europe/Berlin"
        finally:
            event.remove(conn, "before_cursor_execute", count)
    with platform.store.read(tenant) as conn:
        assert tenant_timezone(conn).key == "Europe/Berlin"


def test_a_filter_reads_a_date_time_without_an_offset_in_the_tenants_zone(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        set_tenant_timezone(conn, "Europe/Berlin")
    assert client.post("/api/apps", json=APP, headers=auth).status_code == 201
    # 08:30 and 09:30 UTC on 2 March: 09:30 and 10:30 in Berlin (16:30, 17:30 in Shanghai).
    for title, at in (("before", "2026-03-02T08:30:00Z"), ("after", "2026-03-02T09:30:00Z")):
        created = client.post(BASE, json={"title": title, "at": at}, headers=auth)
        assert created.status_code == 201, created.text

    def titles(condition: dict[str, Any]) -> list[str]:
        answer = client.get(
            BASE, params={"filter": json.dumps(condition), "sort": "at"}, headers=auth
        )
        assert answer.status_code == 200, answer.text
        return [item["title"] for item in answer.json()["items"]]

    # "From 10:00" as a person in Berlin means it: in Shanghai time both would match.
    assert titles({"field": "at", "op": "gte", "value": "2026-03-02T10:00:00"}) == ["after"]
    assert titles({"field": "at", "op": "eq", "value": "2026-03-02T09:30:00"}) == ["before"]
    assert titles({"field": "at", "op": "in", "value": ["2026-03-02T10:30:00"]}) == ["after"]
    # An offset of its own is taken as it is.
    assert titles({"field": "at", "op": "lt", "value": "2026-03-02T09:00:00Z"}) == ["before"]
    # So is a query parameter, and an aggregate's filter.
    params = {"at": "2026-03-02T10:30:00"}
    assert [i["title"] for i in client.get(BASE, params=params, headers=auth).json()["items"]] == [
        "after"
    ]
    counted = client.get(
        f"{BASE}/aggregate",
        params={"filter": json.dumps({"field": "at", "op": "gte", "value": "2026-03-02T10:00"})},
        headers=auth,
    )
    assert counted.status_code == 200, counted.text
    assert counted.json()["groups"][0]["count"] == 1
