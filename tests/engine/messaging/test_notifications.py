"""In-app notifications on both databases: fan-out in one statement, counts, marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from engine.messaging import notifications
from engine.messaging.errors import NotificationNotFound
from engine.platform import Platform

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_fan_out_to_1000_users_is_one_statement(platform: Platform, tenant: str) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "notifications" in statement:
            statements.append(statement)

    engine = platform.store.tenant_engine(tenant)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with platform.store.write(tenant) as conn:
            count = notifications.notify(
                conn, [*range(1, 1001), 5, 5], title="x" * 600, source="rule:crm/x", now=NOW
            )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert count == 1000
    assert len(statements) == 1
    with platform.store.read(tenant) as conn:
        page = notifications.list_mine(conn, 5)
    assert page["unread"] == 1
    assert len(page["items"][0]["title"]) == 500
    assert page["items"][0]["source"] == "rule:crm/x"


def test_unread_count_read_and_read_all(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        for minute in range(3):
            notifications.notify(
                conn,
                [1, 2],
                title=f"n{minute}",
                app="crm",
                entity="lead",
                record_id=7,
                now=NOW + timedelta(minutes=minute),
            )
    with platform.store.read(tenant) as conn:
        page = notifications.list_mine(conn, 1)
        assert [item["title"] for item in page["items"]] == ["n2", "n1", "n0"]
        assert page["unread"] == 3 and page["page"] == 1 and page["page_size"] == 20
        assert set(page["items"][0]) == {
            "id",
            "title",
            "body",
            "app",
            "entity",
            "record_id",
            "source",
            "created_at",
            "read_at",
        }
    newest = page["items"][0]["id"]
    with platform.store.write(tenant) as conn:
        item = notifications.mark_read(conn, 1, newest, NOW)
        assert item["read_at"] is not None
        assert notifications.unread_count(conn, 1) == 2
        assert notifications.list_mine(conn, 1, unread_only=True)["items"][0]["title"] == "n1"
        # Someone else's notification is not found, and stays unread.
        with pytest.raises(NotificationNotFound):
            notifications.mark_read(conn, 2, newest, NOW)
        assert notifications.mark_all_read(conn, 1, NOW) == 2
        assert notifications.unread_count(conn, 1) == 0
        assert notifications.unread_count(conn, 2) == 3


def test_notify_nobody_writes_nothing(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        assert notifications.notify(conn, [], title="x", now=NOW) == 0
