"""The Alembic migrations and the table models agree, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.platform import Platform
from engine.store.tables import catalog_metadata, tenant_metadata


def test_tenant_migrations_match_models(platform: Platform, tenant: str) -> None:
    with platform.store.tenant_engine(tenant).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tenant_metadata)
    assert diff == []


def test_catalog_migrations_match_models(platform: Platform) -> None:
    with platform.store.catalog.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), catalog_metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(platform: Platform, tenant: str) -> None:
    platform.store.migrate_all()
    assert tenant in platform.store.tenant_keys()
