"""A tenant in New York sees its own calendar: aggregates, exports and imports.

The same records in a tenant left at the default (Asia/Shanghai) fall on other
days, so each assertion below fails if the tenant's setting is not read.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.platform import Platform
from engine.tenancy import set_tenant_timezone

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
