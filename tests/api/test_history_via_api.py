"""``GET …/{id}/history``: each entry's ``via`` and its ``via_label`` in the reader's
language — a rule by its label, an import, a bulk edit, a bulk action."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.platform import Platform
from tests.conftest import login
from tests.engine.actions.sales_app import install_sales
from tests.engine.forms.test_history_via import with_rule

BASE = "/api/apps/sales"


def history(
    client: TestClient, headers: dict[str, str], record_id: int, lang: str
) -> list[dict[str, Any]]:
    response = client.get(
        f"{BASE}/lead/{record_id}/history", headers={**headers, "Accept-Language": lang}
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_a_rules_change_is_labelled_in_the_readers_language(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant, with_rule())
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    rep = login(client, tenant, "rep_a")
    logged = client.post(f"{BASE}/follow_up", json={"subject": "Called", "lead": lead}, headers=rep)
    assert logged.status_code == 201, logged.text

    english = history(client, rep, lead, "en")
    chinese = history(client, rep, lead, "zh-CN,zh;q=0.9")

    assert [e["via"] for e in english] == [None, "rule:follow_up_writes_back"]
    assert [e["via_label"] for e in english] == [None, "by rule “First follow-up”"]
    assert [e["via_label"] for e in chinese] == [None, "由规则「首次跟进」"]
    # Who wrote it is still the rep whose follow-up started the rule.
    assert english[1]["user"] == "rep_a"


def test_an_import_says_so(client: TestClient, platform: Platform, tenant: str) -> None:
    install_sales(platform, tenant)
    admin = login(client, tenant)
    imported = client.post(
        f"{BASE}/lead/import",
        files={"file": ("leads.csv", b"company,contact_name\nImported Ltd,Han Meimei\n")},
        headers=admin,
    )
    assert imported.status_code == 201, imported.text
    (lead,) = imported.json()["ids"]

    (entry,) = history(client, admin, lead, "zh-CN")

    assert (entry["via"], entry["via_label"]) == ("import", "通过导入")


def test_bulk_edits_and_bulk_actions_say_so(
    client: TestClient, platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant)
    leads = [sales.lead("L1"), sales.lead("L2")]
    manager = login(client, tenant, "manager")
    assigned = client.post(
        f"{BASE}/lead/bulk-action",
        json={"ids": leads, "action": "assign", "params": {"owner": sales.ids["rep_a"]}},
        headers=manager,
    )
    assert assigned.status_code == 200, assigned.text
    edited = client.post(
        f"{BASE}/lead/bulk-update",
        json={"ids": leads, "values": {"industry": "retail"}},
        headers=manager,
    )
    assert edited.status_code == 200, edited.text

    entries = history(client, manager, leads[1], "en")

    assert [(e["action"], e["via"]) for e in entries] == [
        ("create", None),
        ("update", "bulk:action:assign"),
        ("action", "bulk:action:assign"),
        ("update", "bulk:update"),
    ]
    assert [e["via_label"] for e in entries[1:]] == [
        "bulk “Assign”",
        "bulk “Assign”",
        "bulk edit",
    ]
    assert history(client, manager, leads[1], "zh-CN")[2]["via_label"] == "批量分配"
