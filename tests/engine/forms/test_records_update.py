"""``update_record`` with values equal to the stored ones, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from builder.apps import install_app
from builder.validate import load_definition
from engine.forms.context import WriteContext
from engine.forms.errors import StaleVersion
from engine.forms.events import RecordEvent, RecordUpdated
from engine.forms.hooks import Hooks
from engine.forms.records import create_record, get_record, update_record
from engine.store.tables import audit_log, users

APP: dict[str, Any] = {
    "key": "upd",
    "version": "1.0.0",
    "entities": [
        {
            "key": "note",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "size", "type": "number", "precision": 0},
            ],
        }
    ],
    "roles": [],
}


@pytest.fixture
def app_tenant(platform: Any, tenant: str) -> Iterator[str]:
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(APP), None)
    yield tenant


def test_an_update_that_changes_nothing_writes_nothing(platform: Any, app_tenant: str) -> None:
    seen: list[RecordEvent] = []
    hooks = Hooks()
    hooks.subscribe((RecordUpdated,), lambda ctx, event: seen.append(event))
    with platform.store.write(app_tenant) as conn:
        runtime = platform.runtime(conn, app_tenant, "upd")
        admin = conn.scalar(select(users.c.id).where(users.c.username == "admin"))
        ctx = WriteContext(conn, runtime, "note", admin, datetime.now(UTC), hooks=hooks)
        entity = ctx.app.entities["note"]
        one = create_record(ctx, entity, {"name": "a", "size": 1})["id"]
        before = get_record(ctx, entity, one)
        audit_rows = select(func.count()).select_from(audit_log).where(audit_log.c.app_key == "upd")
        audited = conn.scalar(audit_rows)

        # The stored values sent back, or nothing at all: the record as it is.
        same = update_record(ctx, entity, one, {"name": "a", "size": 1}, 1)
        nothing = update_record(ctx, entity, one, {}, 1)
        assert same == before and nothing == before
        assert same["version"] == 1 and same["updated_at"] == before["updated_at"]
        assert seen == []
        assert conn.scalar(audit_rows) == audited  # no history entry

        # The version is still checked: a stale one is a conflict, not a no-op.
        with pytest.raises(StaleVersion):
            update_record(ctx, entity, one, {"name": "a"}, 7)

        # A real change still moves the version and emits its event.
        changed = update_record(ctx, entity, one, {"name": "a", "size": 2}, 1)
        assert changed["version"] == 2 and changed["size"] == 2
        assert len(seen) == 1 and seen[0].changed == frozenset({"size"})
