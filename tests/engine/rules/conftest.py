"""Fixtures of the rule engine's tests: the help-desk app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from engine.platform import Platform
from tests.engine.rules.desk_app import Desk, install_desk

Install = Callable[..., Desk]


@pytest.fixture
def desk(platform: Platform, tenant: str) -> Install:
    """``desk(rule, …)``: the app installed in the test tenant with these rules."""

    def install(*rules: Mapping[str, Any]) -> Desk:
        return install_desk(platform, tenant, rules)

    return install


__all__ = ["Install", "desk"]
