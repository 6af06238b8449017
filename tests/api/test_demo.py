"""The demo set-up that `make run` performs is idempotent and upgrades itself."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo import DEMO_TENANT, set_up_demo
from api.platform import Platform


@pytest.fixture
def demo_platform(platform: Platform) -> Iterator[Platform]:
    yield platform
    platform.runtimes.forget_tenant(DEMO_TENANT)
    platform.store.drop_tenant(DEMO_TENANT)


def test_second_run_reuses_and_a_changed_example_is_published(
    demo_platform: Platform, example_definition: dict[str, Any], tmp_path: Path
) -> None:
    older = copy.deepcopy(example_definition)
    older["entities"][0]["fields"] = [
        f for f in older["entities"][0]["fields"] if f["key"] != "email"
    ]
    older_file = tmp_path / "older.json"
    older_file.write_text(json.dumps(older), encoding="utf-8")
    assert set_up_demo(demo_platform, older_file)[0] == "created tenant 'demo'"
    upgraded = set_up_demo(demo_platform)
    assert upgraded[0].startswith("app 'mini_crm' upgraded to ")
    assert set_up_demo(demo_platform) == ["app 'mini_crm' is installed"]
