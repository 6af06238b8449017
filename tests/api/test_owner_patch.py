"""Owners change through actions, not PATCH: on the CRM template a rep's PATCH of a
lead's, customer's or opportunity's owner is refused naming the field, while
claim, return and a manager's transfer (within the pool's cap) work; on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from engine.accounts.users import create_department, create_user, grant_role
from tests.conftest import login

CRM = "/api/apps/crm"
TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "crm" / "app.json"
#: username → role; all in one team, so the manager's department scope reaches them.
PEOPLE = {"rep_a": "sales_rep", "rep_b": "sales_rep", "manager": "sales_manager"}
#: What every lead needs besides its company.
LEAD = {"contact_name": "张伟", "source": "trade_show"}


@dataclass
class Crm:
    client: TestClient
    tenant: str
    admin: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username == "admin":
            return self.admin
        if username not in self.headers:
            self.headers[username] = login(self.client, self.tenant, username)
        return self.headers[username]

    def post(self, username: str, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(f"{CRM}/{entity}", json=body, headers=self.auth(username))
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    def patch(self, username: str, entity: str, record: dict[str, Any], **values: Any) -> Any:
        return self.client.patch(
            f"{CRM}/{entity}/{record['id']}",
            json={**values, "version": record["version"]},
            headers=self.auth(username),
        )

    def act(
        self, username: str, entity: str, record_id: int, action: str, body: Any = None
    ) -> httpx.Response:
        url = f"{CRM}/{entity}/{record_id}/actions/{action}"
        response: httpx.Response = self.client.post(url, json=body, headers=self.auth(username))
        return response

    def read(self, username: str, entity: str, record_id: int) -> dict[str, Any]:
        answer = self.client.get(f"{CRM}/{entity}/{record_id}", headers=self.auth(username))
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


@pytest.fixture
def crm(client: TestClient, auth: dict[str, str], platform: Platform, tenant: str) -> Crm:
    installed = client.post("/api/apps", json=json.loads(TEMPLATE.read_text("utf-8")), headers=auth)
    assert installed.status_code == 201, installed.text
    found = Crm(client, tenant, auth)
    with platform.store.write(tenant) as conn:
        team = create_department(conn, "华东一组")
        for username, role in PEOPLE.items():
            user = create_user(conn, platform.passwords, username, "pw", department_id=team)
            grant_role(conn, user.id, "crm", role)
            found.ids[username] = user.id
    return found


def refused_fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in answer.json()["errors"]]


def owned_lead(
    crm: Crm, username: str, company: str = "杭州鑫源智能装备有限公司"
) -> dict[str, Any]:
    lead = crm.post("admin", "lead", {**LEAD, "company": company, "owner": crm.ids[username]})
    assert lead["owner"] == crm.ids[username]
    return lead


def test_a_rep_may_not_patch_the_owner_of_a_lead(crm: Crm) -> None:
    lead = owned_lead(crm, "rep_a")
    # Handing it to a colleague, or back to the pool, bypassing the pool's rules: refused.
    assert refused_fields(crm.patch("rep_a", "lead", lead, owner=crm.ids["rep_b"])) == ["owner"]
    assert refused_fields(crm.patch("rep_a", "lead", lead, owner=None)) == ["owner"]
    assert crm.read("rep_a", "lead", lead["id"])["owner"] == crm.ids["rep_a"]
    # The rest of the lead is theirs to edit, the owner sent back unchanged included.
    edited = crm.patch("rep_a", "lead", lead, owner=crm.ids["rep_a"], job_title="采购经理")
    assert edited.status_code == 200, edited.text
    permissions = crm.client.get(f"{CRM}/permissions", headers=crm.auth("rep_a")).json()
    for entity in ("lead", "customer", "opportunity"):
        assert permissions["entities"][entity]["fields"]["owner"] == "read", entity


def test_a_rep_may_not_patch_the_owner_of_a_customer_or_an_opportunity(crm: Crm) -> None:
    customer = crm.post("rep_a", "customer", {"name": "上海鑫源物流有限公司"})
    assert customer["owner"] == crm.ids["rep_a"]  # the default: whoever creates it
    assert refused_fields(crm.patch("rep_a", "customer", customer, owner=crm.ids["rep_b"])) == [
        "owner"
    ]
    deal = crm.post("rep_a", "opportunity", {"name": "仓储系统", "customer": customer["id"]})
    assert refused_fields(crm.patch("rep_a", "opportunity", deal, owner=crm.ids["rep_b"])) == [
        "owner"
    ]


def test_claim_return_and_a_managers_transfer_change_owners(crm: Crm) -> None:
    pooled = crm.post("admin", "lead", {**LEAD, "company": "南京华泰物流有限公司", "owner": None})
    assert crm.act("rep_a", "lead", pooled["id"], "claim").status_code == 200
    # A rep may not transfer: it is the managers' action.
    assert crm.act("rep_a", "lead", pooled["id"], "transfer", {"owner": 1}).status_code == 403
    moved = crm.act("manager", "lead", pooled["id"], "transfer", {"owner": crm.ids["rep_b"]})
    assert moved.status_code == 200, moved.text
    record = moved.json()["record"]
    assert (record["owner"], record["assigned_at"] is not None) == (crm.ids["rep_b"], True)
    same = crm.act("manager", "lead", pooled["id"], "transfer", {"owner": crm.ids["rep_b"]})
    assert refused_fields(same) == ["owner"]
    back = crm.act(
        "rep_b", "lead", pooled["id"], "return_to_pool", {"return_reason": "unreachable"}
    )
    assert back.status_code == 200, back.text
    assert back.json()["record"]["owner"] is None
    # In the pool there is no owner to transfer from: it is assigned instead.
    assert crm.act("manager", "lead", pooled["id"], "transfer", {"owner": 1}).status_code == 409


def test_a_transfer_respects_the_pools_cap(crm: Crm) -> None:
    # rep_b owns the pool's maximum of open leads (50) already.
    full_hands = [{**LEAD, "company": f"线索 {i}", "owner": crm.ids["rep_b"]} for i in range(50)]
    created = crm.client.post(f"{CRM}/lead/bulk", json=full_hands, headers=crm.admin)
    assert created.status_code == 201, created.text
    lead = owned_lead(crm, "rep_a")
    full = crm.act("manager", "lead", lead["id"], "transfer", {"owner": crm.ids["rep_b"]})
    assert full.status_code == 409, full.text
    assert "50" in full.json()["detail"]
    assert crm.read("manager", "lead", lead["id"])["owner"] == crm.ids["rep_a"]
    customer = crm.post("rep_a", "customer", {"name": "厦门佳腾食品有限公司"})
    moved = crm.act("manager", "customer", customer["id"], "transfer", {"owner": crm.ids["rep_b"]})
    assert moved.status_code == 200, moved.text  # customers have no pool, so no cap


def test_a_leads_status_moves_by_actions_and_follow_ups_not_by_patch(crm: Crm) -> None:
    lead = owned_lead(crm, "rep_a")
    # Converted or invalid by a PATCH would skip the conversion and the reason.
    for status in ("converted", "invalid", "qualified"):
        # (Invalid also misses its reason; the status is refused either way.)
        assert "status" in refused_fields(crm.patch("rep_a", "lead", lead, status=status))
        assert "status" in refused_fields(crm.patch("manager", "lead", lead, status=status))
    assert crm.read("rep_a", "lead", lead["id"])["status"] == "new"
    # The refusal names the field by its label, in the reader's language.
    chinese = crm.client.patch(
        f"{CRM}/lead/{lead['id']}",
        json={"status": "qualified", "version": lead["version"]},
        headers={**crm.auth("rep_a"), "Accept-Language": "zh-CN"},
    )
    assert chinese.json()["errors"] == [
        {"field": "status", "label": "状态", "message": "状态：你无权修改"}
    ]
    # Nor may a rep create a lead that is converted already.
    refused = crm.client.post(
        f"{CRM}/lead",
        json={**LEAD, "company": "苏州恒通电子", "status": "converted"},
        headers=crm.auth("rep_a"),
    )
    assert refused_fields(refused) == ["status"]

    # The first follow-up makes a new lead "contacting" (a rule writes it).
    crm.post(
        "rep_a",
        "follow_up",
        {
            "lead": lead["id"],
            "subject": "首次电话",
            "method": "call",
            "content": "首次电话沟通",
            "followed_at": "2026-12-07T10:00:00+08:00",
        },
    )
    assert crm.read("rep_a", "lead", lead["id"])["status"] == "contacting"
    qualified = crm.act("rep_a", "lead", lead["id"], "qualify")
    assert qualified.status_code == 200, qualified.text
    assert qualified.json()["record"]["status"] == "qualified"
    # Qualifying twice is refused: the action is not available in that state.
    assert crm.act("rep_a", "lead", lead["id"], "qualify").status_code == 409
    invalid = crm.act("rep_a", "lead", lead["id"], "mark_invalid", {"invalid_reason": "空号"})
    assert invalid.status_code == 200, invalid.text
    # Only a manager reopens an invalid lead.
    assert crm.act("rep_a", "lead", lead["id"], "reopen").status_code == 403
    reopened = crm.act("manager", "lead", lead["id"], "reopen")
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["record"]["status"] == "contacting"


def test_a_manager_moves_owners_by_actions_too(crm: Crm) -> None:
    lead = owned_lead(crm, "rep_a")
    # A PATCH or a bulk edit would skip the pool's reason, count and cap.
    assert refused_fields(crm.patch("manager", "lead", lead, owner=None)) == ["owner"]
    assert refused_fields(crm.patch("manager", "lead", lead, owner=crm.ids["rep_b"])) == ["owner"]
    bulk = crm.client.post(
        f"{CRM}/lead/bulk-update",
        json={"ids": [lead["id"]], "values": {"owner": crm.ids["rep_b"]}},
        headers=crm.auth("manager"),
    )
    assert bulk.status_code == 422, bulk.text
    customer = crm.post("rep_a", "customer", {"name": "宁波海辰机械有限公司"})
    assert refused_fields(crm.patch("manager", "customer", customer, owner=crm.ids["rep_b"])) == [
        "owner"
    ]
    assert crm.read("manager", "lead", lead["id"])["owner"] == crm.ids["rep_a"]
    # The actions do it, with their rules.
    moved = crm.act("manager", "customer", customer["id"], "transfer", {"owner": crm.ids["rep_b"]})
    assert moved.status_code == 200, moved.text
    back = crm.act(
        "manager", "lead", lead["id"], "return_to_pool", {"return_reason": "unreachable"}
    )
    assert back.status_code == 200, back.text
    assert back.json()["record"]["times_returned"] == 1
