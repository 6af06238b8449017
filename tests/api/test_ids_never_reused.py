"""A purged record's id never comes back, on either database and on every create path.

Otherwise the next record's owner would read the purged record's history
(the audit log is keyed by id). On SQLite, app tables are created with
AUTOINCREMENT; tables created before that use the audit log as their
high-water mark (engine/forms/records.py, ``_sqlite_id_floor``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.accounts.users import grant_role
from tests.conftest import login

BASE = "/api/apps/notes"
NOTES: dict[str, Any] = {
    "key": "notes",
    "version": "1.0.0",
    "entities": [
        {
            "key": "note",
            "title_field": "title",
            "fields": [
                {"key": "title", "type": "text", "required": True},
                {
                    "key": "items",
                    "type": "subtable",
                    "fields": [{"key": "text", "type": "text"}],
                },
            ],
        }
    ],
    "roles": [{"key": "writer", "permissions": {"note": {"read": "own", "create": True}}}],
}


def _install(client: TestClient, auth: dict[str, str], platform: Platform, tenant: str) -> None:
    response = client.post("/api/apps", json=NOTES, headers=auth)
    assert response.status_code == 201, response.text
    with platform.store.write(tenant) as conn:
        rep = conn.exec_driver_sql("SELECT id FROM users WHERE username = 'rep'").scalar_one()
        grant_role(conn, rep, "notes", "writer")


def _as_before_autoincrement(platform: Platform, tenant: str) -> bool:
    """SQLite: recreate the (empty) note table as installs before this change made it."""
    with platform.store.write(tenant) as conn:
        if conn.dialect.name != "sqlite":
            return False  # PostgreSQL's sequences never reused an id: nothing to emulate
        name = "a_notes__note"
        sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).scalar_one()
        assert "AUTOINCREMENT" in sql
        children = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            (f"{name}__items",),
        ).one()
        conn.exec_driver_sql(f"DROP TABLE {children[0]}")
        conn.exec_driver_sql(f"DROP TABLE {name}")
        conn.exec_driver_sql(sql.replace(" AUTOINCREMENT", ""))
        conn.exec_driver_sql(children[1])
        return True


def _purge(client: TestClient, auth: dict[str, str], record_id: int) -> None:
    assert client.delete(f"{BASE}/note/{record_id}", headers=auth).status_code == 204
    assert client.delete(f"{BASE}/note/deleted/{record_id}", headers=auth).status_code == 204


def _create(client: TestClient, headers: dict[str, str], title: str) -> int:
    response: httpx.Response = client.post(f"{BASE}/note", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _bulk(client: TestClient, headers: dict[str, str], *titles: str) -> list[int]:
    body = [{"title": t, "items": [{"text": t}]} for t in titles]
    response = client.post(f"{BASE}/note/bulk", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return [int(i) for i in response.json()["ids"]]


@pytest.mark.parametrize("legacy", [False, True], ids=["new-table", "table-from-before"])
def test_purged_ids_never_come_back(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str, legacy: bool
) -> None:
    _install(client, auth, platform, tenant)
    if legacy:
        _as_before_autoincrement(platform, tenant)
    rep = login(client, tenant, "rep")
    first = [_create(client, auth, f"admin {i}") for i in range(3)]
    assert first == [1, 2, 3]
    _purge(client, auth, 3)  # the highest id: the one a plain rowid table would give again
    mine = _create(client, rep, "rep's own")
    assert mine == 4
    # The rep's new record has its own history only, not the purged record's.
    history = client.get(f"{BASE}/note/{mine}/history", headers=rep).json()
    assert [entry["action"] for entry in history] == ["create"]
    assert "admin 2" not in str(history)
    # Bulk creates number their rows above every id ever given out, too.
    _purge(client, auth, 4)
    assert _bulk(client, auth, "a", "b") == [5, 6]
    _purge(client, auth, 6)
    assert _bulk(client, rep, "c") == [7]
    _purge(client, auth, 7)
    assert _create(client, auth, "after bulk") == 8
    # The audit log keeps each id's story apart.
    purged = client.get(f"{BASE}/note/3/history", headers=auth).json()
    assert [entry["action"] for entry in purged] == ["create", "delete", "purge"]
    listed = client.get(f"{BASE}/note", headers=auth).json()["items"]
    assert sorted(item["id"] for item in listed) == [1, 2, 5, 8]


def test_sub_table_rows_are_numbered_without_reuse(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str
) -> None:
    _install(client, auth, platform, tenant)
    with platform.store.read(tenant) as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'a_notes__note__items'"
            ).scalar_one()
            assert "AUTOINCREMENT" in sql
    note = client.post(
        f"{BASE}/note", json={"title": "n", "items": [{"text": "a"}, {"text": "b"}]}, headers=auth
    ).json()
    with platform.store.read(tenant) as conn:
        before = max(conn.exec_driver_sql("SELECT id FROM a_notes__note__items").scalars())
    # Replacing the rows deletes the old ones; the new ones get new ids.
    changed = client.patch(
        f"{BASE}/note/{note['id']}", json={"version": 1, "items": [{"text": "c"}]}, headers=auth
    )
    assert changed.status_code == 200, changed.text
    with platform.store.read(tenant) as conn:
        after = list(conn.exec_driver_sql("SELECT id FROM a_notes__note__items").scalars())
    assert len(after) == 1 and after[0] > before
