"""``POST …/bulk`` (create): the unique check of a batch, on SQLite and PostgreSQL.

PostgreSQL binds a batch's texts as one array literal (``pg_text_array``):
whatever a name holds, it must find exactly the records holding it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.forms.records import _unique_lookup
from engine.store.types import pg_text_array

BASE = "/api/apps/mini_crm/customer"

#: Names that an array literal must quote and escape to keep as they are.
ODD_NAMES = [
    "NULL",
    "null",
    'say "hi"',
    "back\\slash\\",
    '\\"',
    "{a,b}",
    "a,b",
    "tab\there",
    "浙江 杭州",
    "emoji 🙂",
]


def errors_of(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_odd_names_are_stored_and_found_by_the_unique_check(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    created = client.post(BASE + "/bulk", json=[{"name": n} for n in ODD_NAMES], headers=auth)
    assert created.status_code == 201, created.text
    ids = created.json()["ids"]
    assert [client.get(f"{BASE}/{i}", headers=auth).json()["name"] for i in ids] == ODD_NAMES

    # Each odd name again, among new ones: every one is taken, named by its holder.
    again = [{"name": "fresh 1"}, *({"name": n} for n in ODD_NAMES), {"name": "fresh 2"}]
    refused = client.post(BASE + "/bulk", json=again, headers=auth)
    assert refused.status_code == 422
    assert errors_of(refused) == {
        f"[{i + 1}].name": f"must be unique: customer '{name}' already has this value"
        for i, name in enumerate(ODD_NAMES)
    }

    # Near misses are not taken: a name differing by one escaped character.
    near = [{"name": n + "\\"} for n in ODD_NAMES] + [{"name": '"' + n} for n in ODD_NAMES]
    accepted = client.post(BASE + "/bulk", json=near, headers=auth)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["created"] == len(near)


def test_a_name_twice_in_one_batch_is_refused(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    batch = [{"name": 'twice "x"'}, {"name": "once"}, {"name": 'twice "x"'}]
    refused = client.post(BASE + "/bulk", json=batch, headers=auth)
    assert refused.status_code == 422
    assert set(errors_of(refused)) == {"[2].name"}


# PostgreSQL only: what it checks exists on no other database.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_sees_a_batch_of_texts_as_one_constant_array(
    backend: str, platform: Platform, tenant: str, mini_crm: str
) -> None:
    """The planner must see the values (hashed, counted), not a conversion it
    cannot fold: then it compares every row with every value (seconds for a
    bulk of 10,000 against 10,000 records)."""
    with platform.store.read(tenant) as conn:
        entity = platform.runtime(conn, tenant, mini_crm).entities["customer"]
        lookup = _unique_lookup(entity, "name", False, False, False, "postgresql", True)
        sql = str(lookup.compile(dialect=conn.dialect))
        driver: Any = conn.connection.driver_connection
        plan = driver.execute("EXPLAIN " + sql, {"values": pg_text_array(ODD_NAMES)}).fetchall()
    text = "\n".join(row[0] for row in plan)
    assert "ANY ('{" in text, text
