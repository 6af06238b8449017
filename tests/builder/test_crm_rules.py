"""The CRM's seven automations (``rules`` of templates/crm/app.json), through the API.

The template is installed as a tenant would install it, with a sales
organisation shaped like the demo's (three area teams with a manager each,
a director, finance); every automation is then driven the way a sales team
would: leads created without an owner, follow-ups logged, a contract
signed, receipts confirmed, imported and deleted, a big deal moved to
negotiation. The date rules run from the clock's tick at a fake ``now``.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from api.platform import Platform
from engine.accounts.departments import set_head
from engine.accounts.users import create_department, create_user, grant_role
from engine.rules.clock import tick_timers
from engine.store.tables import deliveries, notifications, users
from tests.builder.test_crm_template import TEMPLATE
from tests.conftest import login

BASE = "/api/apps/crm"
#: Departments as the demo names them (the template's assignment table uses them).
TEAMS = {
    "east": "华东一组 East team 1",
    "south": "华南一组 South team 1",
    "north": "华北一组 North team 1",
}


@dataclass
class Crm:
    client: TestClient
    platform: Platform
    tenant: str
    ids: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.headers:
            self.headers[username] = login(self.client, self.tenant, username)
        return self.headers[username]

    def post(self, entity: str, body: dict[str, Any], as_: str = "admin") -> dict[str, Any]:
        response = self.client.post(f"{BASE}/{entity}", json=body, headers=self.auth(as_))
        assert response.status_code == 201, (entity, response.text)
        return dict(response.json())

    def get(self, entity: str, record_id: int) -> dict[str, Any]:
        response = self.client.get(f"{BASE}/{entity}/{record_id}", headers=self.auth("admin"))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def patch(
        self, entity: str, record_id: int, body: dict[str, Any], as_: str = "admin"
    ) -> dict[str, Any]:
        version = self.get(entity, record_id)["version"]
        url = f"{BASE}/{entity}/{record_id}"
        body = {"version": version, **body}
        response = self.client.patch(url, json=body, headers=self.auth(as_))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def act(self, entity: str, record_id: int, action: str, as_: str = "admin") -> None:
        response = self.client.post(
            f"{BASE}/{entity}/{record_id}/actions/{action}", json={}, headers=self.auth(as_)
        )
        assert response.status_code == 200, response.text

    def delete(self, entity: str, record_id: int) -> None:
        response = self.client.delete(f"{BASE}/{entity}/{record_id}", headers=self.auth("admin"))
        assert response.status_code in (200, 204), response.text

    def restore(self, entity: str, record_id: int) -> None:
        response = self.client.post(
            f"{BASE}/{entity}/{record_id}/restore", headers=self.auth("admin")
        )
        assert response.status_code == 200, response.text

    def import_csv(self, entity: str, text: str) -> None:
        response = self.client.post(
            f"{BASE}/{entity}/import",
            files={"file": ("rows.csv", text.encode("utf-8"))},
            headers=self.auth("admin"),
        )
        assert response.status_code in (200, 201), response.text

    def titles(self, username: str) -> list[str]:
        with self.platform.store.read(self.tenant) as conn:
            query = (
                select(notifications.c.title)
                .where(notifications.c.user_id == self.ids[username])
                .order_by(notifications.c.id)
            )
            return list(conn.scalars(query))

    def deliveries(self, channel: str) -> list[Any]:
        with self.platform.store.read(self.tenant) as conn:
            query = select(deliveries).where(deliveries.c.channel == channel)
            return list(conn.execute(query.order_by(deliveries.c.id)).all())

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.platform.store.write(self.tenant) as conn:
            yield conn

    def tick(self, now: datetime) -> dict[str, Any]:
        def runtime_of(conn: Connection, key: str) -> Any:
            return self.platform.runtime(conn, self.tenant, key)

        return tick_timers(self._write, runtime_of, now, self.platform.hooks)


@pytest.fixture
def crm(client: TestClient, auth: dict[str, str], platform: Platform, tenant: str) -> Crm:
    raw = json.loads((TEMPLATE / "app.json").read_text(encoding="utf-8"))
    response = client.post("/api/apps", json=raw, headers=auth)
    assert response.status_code == 201, response.text
    found = Crm(client, platform, tenant)
    with platform.store.write(tenant) as conn:
        sales = create_department(conn, "销售部 Sales")
        finance = create_department(conn, "财务部 Finance")
        director = create_user(
            conn, platform.passwords, "director", "pw", "Director", department_id=sales
        )
        grant_role(conn, director.id, "crm", "sales_director")
        found.ids["director"] = director.id
        for area, name in TEAMS.items():
            team = create_department(conn, name, parent_id=sales)
            manager = create_user(
                conn,
                platform.passwords,
                f"{area}_manager",
                "pw",
                department_id=team,
                manager_id=director.id,
            )
            grant_role(conn, manager.id, "crm", "sales_manager")
            set_head(conn, team, manager.id)
            found.ids[f"{area}_manager"] = manager.id
            for i in (1, 2):
                rep = create_user(
                    conn,
                    platform.passwords,
                    f"{area}_rep{i}",
                    "pw",
                    department_id=team,
                    manager_id=manager.id,
                )
                grant_role(conn, rep.id, "crm", "sales_rep")
                found.ids[f"{area}_rep{i}"] = rep.id
        for i in (1, 2):
            person = create_user(
                conn,
                platform.passwords,
                f"finance{i}",
                "pw",
                department_id=finance,
                email=f"finance{i}@example.com",
            )
            grant_role(conn, person.id, "crm", "finance")
            found.ids[f"finance{i}"] = person.id
        admin = conn.scalar(select(users.c.id).where(users.c.username == "admin"))
        assert admin is not None
        found.ids["admin"] = int(admin)
    return found


def _lead(crm: Crm, company: str, area: str | None, **values: Any) -> dict[str, Any]:
    body = {"company": company, "contact_name": "李娜", "source": "website", **values}
    if area is not None:
        body["area"] = area
    return crm.post("lead", body)


# -- 1. assignment by area, round-robin, the pool; the new owner is told ---------------------
def test_new_leads_go_round_the_area_team_and_the_owner_is_told(crm: Crm) -> None:
    east = [crm.ids["east_manager"], crm.ids["east_rep1"], crm.ids["east_rep2"]]
    owners = [_lead(crm, f"华东客户{i}", "east")["id"] for i in range(3)]
    assigned = [crm.get("lead", i) for i in owners]
    # Round-robin: three leads, three different people of the east team.
    assert sorted(lead["owner"] for lead in assigned) == sorted(east)
    assert all(lead["assigned_at"] for lead in assigned)
    south = crm.get("lead", _lead(crm, "华南客户", "southwest")["id"])
    assert south["owner"] in {
        crm.ids["south_manager"],
        crm.ids["south_rep1"],
        crm.ids["south_rep2"],
    }
    # No area: no team fits, the lead stays in the pool.
    pooled = crm.get("lead", _lead(crm, "无大区客户", None)["id"])
    assert pooled["owner"] is None
    for person in ("east_manager", "east_rep1", "east_rep2"):
        assert len([t for t in crm.titles(person) if t.startswith("新线索分配给你")]) == 1
    # A lead someone creates with an owner set keeps it; the owner hears of it.
    given = _lead(crm, "指定客户", "east", owner=crm.ids["north_rep1"])
    assert crm.get("lead", given["id"])["owner"] == crm.ids["north_rep1"]
    assert crm.titles("north_rep1") == ["新线索分配给你：指定客户"]


def test_claiming_a_lead_is_not_announced_to_the_claimer(crm: Crm) -> None:
    pooled = _lead(crm, "公海客户", None)
    crm.act("lead", pooled["id"], "claim", as_="east_rep1")
    claimed = crm.get("lead", pooled["id"])
    assert claimed["owner"] == crm.ids["east_rep1"] and claimed["assigned_at"]
    assert crm.titles("east_rep1") == []


# -- 2. follow-ups write back --------------------------------------------------------------
def test_a_follow_up_updates_its_lead_opportunity_and_customer(crm: Crm) -> None:
    lead = _lead(crm, "跟进客户", "east")
    customer = crm.post("customer", {"name": "杭州恒盛精密机械有限公司"})
    deal = crm.post("opportunity", {"name": "设备联网项目", "customer": customer["id"]})
    crm.post(
        "follow_up",
        {
            "subject": "电话沟通",
            "content": "客户有兴趣",
            "lead": lead["id"],
            "customer": customer["id"],
            "opportunity": deal["id"],
            "followed_at": "2026-03-02T10:00:00+08:00",
            "next_follow_up_on": "2026-03-09",
        },
    )
    for entity, record_id in (
        ("lead", lead["id"]),
        ("customer", customer["id"]),
        ("opportunity", deal["id"]),
    ):
        read = crm.get(entity, record_id)
        assert read["last_followed_up_at"].startswith("2026-03-02T02:00:00"), entity
        assert read["next_follow_up_on"] == "2026-03-09", entity
    # An older follow-up logged afterwards moves nothing back.
    crm.post(
        "follow_up",
        {
            "subject": "补录拜访",
            "content": "上周拜访",
            "lead": lead["id"],
            "followed_at": "2026-02-20T10:00:00+08:00",
            "next_follow_up_on": "2026-02-25",
        },
    )
    read = crm.get("lead", lead["id"])
    assert read["last_followed_up_at"].startswith("2026-03-02T02:00:00")
    assert read["next_follow_up_on"] == "2026-03-09"


# -- 3. three days without a follow-up -------------------------------------------------------
def test_an_open_lead_quiet_for_three_days_reminds_owner_and_manager(crm: Crm) -> None:
    lead = _lead(crm, "沉默客户", "east")
    owner = crm.get("lead", lead["id"])
    person = next(k for k, v in crm.ids.items() if v == owner["owner"])
    assigned = datetime.fromisoformat(owner["assigned_at"])
    assert crm.tick(assigned + timedelta(days=2))["fired"] == 0
    crm.tick(assigned + timedelta(days=3, minutes=1))
    reminded = [t for t in crm.titles(person) if t.startswith("线索 3 天未跟进")]
    assert reminded == ["线索 3 天未跟进：沉默客户"]
    manager = "director" if person == "east_manager" else "east_manager"
    assert "线索 3 天未跟进：沉默客户" in crm.titles(manager)


# -- 4. a contract signed ---------------------------------------------------------------------
def test_a_signed_contract_makes_a_finance_todo_an_email_and_a_text(crm: Crm) -> None:
    customer = crm.post("customer", {"name": "宁波恒泰化工有限公司"})
    contact = crm.post(
        "contact", {"name": "王伟", "customer": customer["id"], "mobile": "13812345678"}
    )
    contract = crm.post(
        "contract",
        {"title": "设备采购合同", "customer": customer["id"], "contact": contact["id"]},
    )
    assert crm.deliveries("email") == [] and crm.deliveries("sms") == []
    crm.patch("contract", contract["id"], {"status": "in_approval"})
    crm.patch("contract", contract["id"], {"status": "signed", "signed_on": "2026-03-02"})
    todos = crm.client.get(
        f"{BASE}/todo", params={"page_size": 10}, headers=crm.auth("admin")
    ).json()["items"]
    assert len(todos) == 1
    todo = todos[0]
    assert todo["title"] == "建立回款计划并开票：设备采购合同"
    assert (todo["queue"], todo["contract"]) == ("finance", contract["id"])
    assert todo["assignee"] in (crm.ids["finance1"], crm.ids["finance2"])
    emails = crm.deliveries("email")
    assert sorted(d.recipient for d in emails) == ["finance1@example.com", "finance2@example.com"]
    texts = crm.deliveries("sms")
    assert [d.recipient for d in texts] == ["13812345678"]
    # Signing again (executing, then back) does not repeat it.
    crm.patch("contract", contract["id"], {"status": "executing"})
    assert len(crm.deliveries("sms")) == 1


# -- 5. instalments due soon and overdue ------------------------------------------------------
def test_instalments_remind_before_and_tell_everyone_once_when_overdue(crm: Crm) -> None:
    customer = crm.post("customer", {"name": "深圳瑞丰网络科技有限公司"})
    contract = crm.post("contract", {"title": "年度维保合同", "customer": customer["id"]})
    plan = crm.post(
        "payment_plan",
        {
            "contract": contract["id"],
            "customer": customer["id"],
            "instalment": 1,
            "due_date": "2026-03-10",
            "amount": 1000,
            "owner": crm.ids["east_rep1"],
        },
    )
    code = plan["code"]
    crm.tick(datetime(2026, 3, 6, 12, tzinfo=UTC))
    assert crm.titles("east_rep1") == []
    crm.tick(datetime(2026, 3, 7, 12, tzinfo=UTC))  # 09:00 in Shanghai is 01:00 UTC
    assert crm.titles("east_rep1") == [f"回款即将到期：{code}"]
    crm.tick(datetime(2026, 3, 11, 12, tzinfo=UTC))
    overdue = f"回款逾期：{code}"
    assert crm.titles("east_rep1")[-1] == overdue
    assert overdue in crm.titles("east_manager")
    assert overdue in crm.titles("finance1") and overdue in crm.titles("finance2")
    crm.tick(datetime(2026, 3, 20, 12, tzinfo=UTC))
    assert crm.titles("east_rep1").count(overdue) == 1


# -- 6. receipts add up on every path ---------------------------------------------------------
def _adds_up(
    crm: Crm, plan_id: int, contract_id: int, received: str, on_contract: str | None = None
) -> None:
    plan = crm.get("payment_plan", plan_id)
    contract = crm.get("contract", contract_id)
    assert Decimal(str(plan["received_amount"])) == Decimal(received)
    assert Decimal(str(plan["received_amount"])) + Decimal(str(plan["outstanding"])) == Decimal(
        str(plan["amount"])
    )
    assert Decimal(str(contract["received_amount"])) == Decimal(on_contract or received)
    assert Decimal(str(contract["received_amount"])) + Decimal(
        str(contract["outstanding_amount"])
    ) == Decimal(str(contract["planned_amount"]))


def test_received_plus_outstanding_is_planned_on_every_path(crm: Crm) -> None:
    customer = crm.post("customer", {"name": "苏州华信电子科技有限公司"})
    contract = crm.post("contract", {"title": "传感器合同", "customer": customer["id"]})
    plan = crm.post(
        "payment_plan",
        {
            "contract": contract["id"],
            "customer": customer["id"],
            "instalment": 1,
            "due_date": (date.today() + timedelta(days=30)).isoformat(),
            "amount": 1000,
        },
    )
    _adds_up(crm, plan["id"], contract["id"], "0")
    receipt = {"contract": contract["id"], "customer": customer["id"], "payment_plan": plan["id"]}
    # Through the API, pending: nothing received yet.
    first = crm.post("payment_receipt", {**receipt, "amount": 300})
    _adds_up(crm, plan["id"], contract["id"], "0")
    # Finance confirms it through the action.
    crm.act("payment_receipt", first["id"], "confirm_receipt", as_="finance1")
    _adds_up(crm, plan["id"], contract["id"], "300")
    # Created confirmed through the API.
    second = crm.post("payment_receipt", {**receipt, "amount": 200, "status": "confirmed"})
    _adds_up(crm, plan["id"], contract["id"], "500")
    # Imported, confirmed (links by their titles).
    crm.import_csv(
        "payment_receipt",
        f"contract,customer,payment_plan,amount,status\n"
        f"传感器合同,苏州华信电子科技有限公司,{plan['code']},100,confirmed\n",
    )
    _adds_up(crm, plan["id"], contract["id"], "600")
    # A confirmed amount corrected.
    crm.patch("payment_receipt", second["id"], {"amount": 250})
    _adds_up(crm, plan["id"], contract["id"], "650")
    # Deleted, and restored from the recycle bin.
    crm.delete("payment_receipt", first["id"])
    _adds_up(crm, plan["id"], contract["id"], "350")
    crm.restore("payment_receipt", first["id"])
    _adds_up(crm, plan["id"], contract["id"], "650")
    # Moved to another instalment: both instalments are recomputed.
    other = crm.post(
        "payment_plan",
        {
            "contract": contract["id"],
            "customer": customer["id"],
            "instalment": 2,
            "due_date": (date.today() + timedelta(days=60)).isoformat(),
            "amount": 500,
        },
    )
    crm.patch("payment_receipt", second["id"], {"payment_plan": other["id"]})
    _adds_up(crm, plan["id"], contract["id"], "400", on_contract="650")
    _adds_up(crm, other["id"], contract["id"], "250", on_contract="650")
    read = crm.get("contract", contract["id"])
    assert (read["planned_amount"], read["received_amount"]) == (1500, 650)
    assert read["outstanding_amount"] == 850


# -- 7. the welcome email, the director and the big deal ---------------------------------------
def test_a_new_lead_with_an_email_is_welcomed(crm: Crm) -> None:
    _lead(crm, "无邮箱客户", "east")
    assert crm.deliveries("email") == []
    _lead(crm, "苏州华信电子科技有限公司", "east", email="lina@huaxin.example.com")
    [welcome] = crm.deliveries("email")
    assert welcome.recipient == "lina@huaxin.example.com"
    assert welcome.content["subject"] == "{{ record.contact_name }}，感谢您关注我们"
    assert welcome.content["values"]["record"]["contact_name"] == "李娜"


def test_a_big_deal_entering_negotiation_tells_the_director(crm: Crm) -> None:
    customer = crm.post("customer", {"name": "上海鑫源物流有限公司"})
    small = crm.post(
        "opportunity", {"name": "小项目", "customer": customer["id"], "amount": 200_000}
    )
    big = crm.post(
        "opportunity", {"name": "智慧仓储项目", "customer": customer["id"], "amount": 1_500_000}
    )
    crm.patch("opportunity", small["id"], {"stage": "negotiation"})
    assert crm.titles("director") == []
    crm.patch("opportunity", big["id"], {"stage": "proposal"})
    assert crm.titles("director") == []
    crm.patch("opportunity", big["id"], {"stage": "negotiation"})
    assert crm.titles("director") == ["百万商机进入谈判：智慧仓储项目"]
