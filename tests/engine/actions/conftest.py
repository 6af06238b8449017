"""The sales app installed in the test tenant, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engine.platform import Platform
from tests.engine.actions.sales_app import Sales, install_sales


@pytest.fixture
def sales(platform: Platform, tenant: str) -> Sales:
    return install_sales(platform, tenant)
