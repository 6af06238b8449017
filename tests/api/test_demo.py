"""The demo set-up that `make run` performs is idempotent and upgrades itself."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from api.demo import DEMO_TENANT, set_up_demo
from api.platform import Platform
from engine.forms.permissions import roles_in_app
from engine.store.tables import users


@pytest.fixture
def demo_platform(platform: Platform) -> Iterator[Platform]:
    yield platform
    platform.runtimes.forget_tenant(DEMO_TENANT)
    platform.store.drop_tenant(DEMO_TENANT)


def user_id(conn: Connection, username: str) -> int:
    return int(conn.scalar(select(users.c.id).where(users.c.username == username)))


def test_second_run_reuses_and_a_changed_example_is_published(
    demo_platform: Platform, example_definition: dict[str, Any], tmp_path: Path
) -> None:
    older = copy.deepcopy(example_definition)
    older["entities"][0]["fields"] = [
        f for f in older["entities"][0]["fields"] if f["key"] != "email"
    ]
    older_file = tmp_path / "older.json"
    older_file.write_text(json.dumps(older), encoding="utf-8")
    assert set_up_demo(demo_platform, older_file, crm_file=None)[0] == "created tenant 'demo'"
    upgraded = set_up_demo(demo_platform, crm_file=None)
    assert upgraded[0].startswith("app 'mini_crm' upgraded to ")
    assert set_up_demo(demo_platform, crm_file=None) == ["app 'mini_crm' is installed"]


def test_the_crm_comes_with_demo_data_once(demo_platform: Platform) -> None:
    first = set_up_demo(demo_platform, crm_scale=0.02)
    assert "app 'crm' is installed" in first
    loaded = [line for line in first if line.startswith("app 'crm': demo data loaded")]
    assert len(loaded) == 1
    # The demo's own people hold CRM roles too, so rep1 logs in to a living CRM.
    with demo_platform.store.read(DEMO_TENANT) as conn:
        roles = roles_in_app(conn, user_id(conn, "rep1"), "crm")
    assert roles == {"sales_rep"}
    again = set_up_demo(demo_platform, crm_scale=0.02)
    assert again == ["app 'mini_crm' is installed", "app 'crm' is installed"]
