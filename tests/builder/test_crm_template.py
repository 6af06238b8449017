"""The bundled CRM template: it loads, installs, and every entity works through the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from builder.validate import load_definition_file
from engine.accounts.users import create_department, create_user, grant_role
from engine.definition import AppDefinition
from tests.conftest import login

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "crm"
ENTITIES = {
    "lead",
    "customer",
    "contact",
    "opportunity",
    "follow_up",
    "product",
    "price_list",
    "quote",
    "contract",
    "order",
    "payment_plan",
    "payment_receipt",
    "invoice",
    "ticket",
    "sales_target",
    "todo",
}
ROLES = {"sales_rep", "sales_manager", "sales_director", "finance", "admin"}


@pytest.fixture(scope="module")
def crm() -> AppDefinition:
    return load_definition_file(TEMPLATE / "app.json")


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return dict(json.loads((TEMPLATE / "app.json").read_text(encoding="utf-8")))


def test_the_template_loads_with_the_lead_to_cash_model(crm: AppDefinition) -> None:
    assert (crm.key, crm.version) == ("crm", "1.0.0")
    assert {e.key for e in crm.entities} == ENTITIES
    assert {r.key for r in crm.roles} == ROLES
    assert {f.entity for f in crm.forms} == ENTITIES
    tables = {v.entity for v in crm.views if v.type == "table"}
    assert tables == ENTITIES
    kanban = next(v for v in crm.views if v.type == "kanban" and v.entity == "opportunity")
    assert kanban.group_by == "stage"


#: Maps of field keys to values in actions, pools, rules and linkage: their keys are no labels.
VALUE_MAPS = ("map", "set", "update", "reuse_when_equal", "values", "fill", "filter_by")


def _labelled(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every label-like value of the definition, with where it is."""
    if isinstance(node, dict):
        for key in ("label", "section", "help", "description", "confirm"):
            if key in node:
                yield f"{path}.{key}", node[key]
        for key, value in node.items():
            if key not in VALUE_MAPS:
                yield from _labelled(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _labelled(item, f"{path}[{i}]")


def test_everything_is_labelled_in_chinese_and_english(raw: dict[str, Any]) -> None:
    found = list(_labelled(raw, "$"))
    assert len(found) > 500
    for path, label in found:
        assert isinstance(label, dict) and label.get("zh-CN") and label.get("en"), path

    def needs_label(node: Any, path: str) -> Iterator[str]:
        # Entities, fields, sub-fields, options, cascade nodes, forms, views, roles.
        if isinstance(node, dict):
            if ("key" in node or "value" in node) and "label" not in node:
                yield path
            for key, value in node.items():
                # Conversion steps are named by key only; value maps and filters hold no items.
                if key not in ("permissions", "indexes", "steps", "filter", *VALUE_MAPS):
                    yield from needs_label(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from needs_label(item, f"{path}[{i}]")

    assert list(needs_label(raw, "$")) == []


def test_stages_carry_win_probabilities_and_lost_needs_a_reason(crm: AppDefinition) -> None:
    opportunity = crm.entity("opportunity")
    assert opportunity is not None
    fields = {f.key: f for f in opportunity.fields}
    stages = fields["stage"].options["options"]
    assert [s["value"] for s in stages] == [
        "initial",
        "needs",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    probabilities = [s["probability"] for s in stages]
    assert probabilities == [*sorted(probabilities[:5]), 0.0]
    assert probabilities[4] == 1.0
    assert fields["lost_reason"].required_when == "stage == 'lost'"


def test_contract_statuses_and_follow_up_methods(crm: AppDefinition) -> None:
    def values(entity: str, field: str) -> list[str]:
        found = crm.entity(entity)
        assert found is not None
        options = next(f for f in found.fields if f.key == field).options["options"]
        return [o["value"] for o in options]

    assert values("contract", "status") == [
        "draft",
        "in_approval",
        "signed",
        "executing",
        "completed",
        "terminated",
    ]
    assert {"call", "visit", "email", "meeting"} <= set(values("follow_up", "method"))


def test_the_views_that_show_a_subset_carry_their_filter(crm: AppDefinition) -> None:
    """The filters bind to their entities: loading the definition checked that."""
    filtered = {(v.entity, v.key) for v in crm.views if v.filter is not None}
    assert {
        ("lead", "my_leads"),
        ("lead", "pool"),
        ("lead", "overdue_follow_ups"),
        ("customer", "my_customers"),
        ("opportunity", "my_open"),
        ("follow_up", "overdue"),
        ("contract", "outstanding"),
        ("payment_plan", "overdue"),
    } <= filtered
    pool = next(v for v in crm.views if (v.entity, v.key) == ("lead", "pool"))
    assert pool.filter == {
        "and": [
            {"field": "owner", "op": "is_empty", "value": True},
            {"field": "status", "op": "in", "value": ["new", "contacting", "qualified"]},
        ]
    }


# -- proposals.json: what the definition model does not take yet ---------------------------
def proposals() -> dict[str, Any]:
    """What the template needs beyond today's definition model (``proposals.json``)."""
    return dict(json.loads((TEMPLATE / "proposals.json").read_text(encoding="utf-8")))


def test_the_other_proposals_name_existing_fields(crm: AppDefinition) -> None:
    fields = {e.key: {f.key for f in e.fields} for e in crm.entities}
    for rule in proposals()["write_backs"]:
        targets = rule["target"] if isinstance(rule["target"], list) else [rule["target"]]
        for target in targets:
            assert set(rule["set"]) <= fields[target], target


def test_the_lead_pool_and_its_actions_are_part_of_the_definition(crm: AppDefinition) -> None:
    pool = crm.pool("lead_pool")
    assert pool is not None and (pool.entity, pool.owner_field) == ("lead", "owner")
    assert pool.max_open_per_user == 50 and pool.claim.roles == ["sales_rep", "sales_manager"]
    assert pool.auto_return is not None and pool.auto_return.after_days == 15
    assert pool.return_to_pool.reason_field == "return_reason"
    # Contact details stay masked for reps until a lead is claimed.
    assert pool.hidden_fields == ["phone", "email"]
    by_key = {a.key: a for a in crm.actions}
    assert {"convert", "claim", "assign", "return_to_pool"} <= set(by_key)
    convert = by_key["convert"]
    assert convert.type == "convert"
    assert [(s.key, s.entity) for s in convert.steps] == [
        ("customer", "customer"),
        ("contact", "contact"),
        ("opportunity", "opportunity"),
    ]


# -- installed, through the API (SQLite and PostgreSQL) -------------------------------------
@pytest.fixture
def installed(
    client: TestClient, auth: dict[str, str], raw: dict[str, Any]
) -> Iterator[dict[str, str]]:
    response = client.post("/api/apps", json=raw, headers=auth)
    assert response.status_code == 201, response.text
    yield auth


def _post(client: TestClient, auth: dict[str, str], entity: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/api/apps/crm/{entity}", json=body, headers=auth)
    assert response.status_code == 201, (entity, response.text)
    return response.json()


def test_every_entity_takes_a_record_through_the_api(
    client: TestClient, installed: dict[str, str], platform: Platform, tenant: str
) -> None:
    auth = installed
    with platform.store.read(tenant) as conn:
        admin = conn.exec_driver_sql("SELECT id FROM users WHERE username = 'admin'").scalar()

    def post(entity: str, body: dict[str, Any]) -> Any:
        return _post(client, auth, entity, body)

    product = post(
        "product",
        {
            "code": "HW-T-1",
            "name": "测试传感器",
            "list_price": 100,
            "category": ["hardware", "sensor"],
        },
    )
    post(
        "price_list",
        {
            "name": "测试价目表",
            "channel": "standard",
            "valid_from": "2026-01-01",
            "items": [{"product": product["id"], "price": 90}],
        },
    )
    customer = post(
        "customer",
        {
            "name": "杭州恒盛精密机械有限公司",
            "credit_code": "913301067255301234",
            "region": {"province": "浙江省", "city": "杭州市", "district": "西湖区"},
        },
    )
    post("contact", {"name": "王伟", "customer": customer["id"], "mobile": "13812345678"})
    lead = post(
        "lead",
        {
            "company": "苏州华信电子科技有限公司",
            "contact_name": "李娜",
            "source": "website",
            "score": 85,
        },
    )
    # No owner and no area: no team's rule fits, so the lead waits in the pool.
    assert (lead["grade"], lead["owner"], lead["status"]) == ("A", None, "new")
    assert lead["code"].startswith("LD-")
    post("opportunity", {"name": "设备联网项目", "customer": customer["id"], "amount": 100000})
    post("follow_up", {"subject": "电话沟通", "content": "客户有兴趣", "lead": lead["id"]})
    lines = [
        {"product": product["id"], "qty": 2, "unit_price": 100, "discount": 0.1},
        {"product": product["id"], "qty": 1, "unit_price": 50},
    ]
    quote = post("quote", {"title": "报价", "customer": customer["id"], "lines": lines})
    assert (quote["gross_amount"], quote["total_amount"]) == (250.0, 230.0)
    assert quote["discount_rate"] == pytest.approx(0.08)
    contract = post(
        "contract",
        {
            "title": "合同",
            "customer": customer["id"],
            "lines": lines,
            "status": "signed",
            "signed_on": "2026-01-10",
        },
    )
    post("order", {"customer": customer["id"], "contract": contract["id"], "lines": lines})
    plan = post(
        "payment_plan",
        {
            "contract": contract["id"],
            "customer": customer["id"],
            "instalment": 1,
            "due_date": "2020-01-31",
            "amount": 230,
        },
    )
    assert (plan["outstanding"], plan["status"]) == (230.0, "pending")
    post(
        "payment_receipt",
        {
            "contract": contract["id"],
            "customer": customer["id"],
            "payment_plan": plan["id"],
            "amount": 100,
            "status": "confirmed",
        },
    )
    invoice = post(
        "invoice",
        {
            "customer": customer["id"],
            "contract": contract["id"],
            "buyer_name": "杭州恒盛精密机械有限公司",
            "amount": 113,
        },
    )
    assert invoice["tax_amount"] == 13.0
    post(
        "ticket", {"subject": "网关掉线", "customer": customer["id"], "description": "<p>掉线</p>"}
    )
    post(
        "sales_target",
        {
            "title": "2026年1月个人目标",
            "owner": admin,
            "year": 2026,
            "month": 1,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "contract_target": 100000,
        },
    )
    todo = post("todo", {"title": "催收回款", "contract": contract["id"]})
    assert todo["assignee"] == admin
    for entity in ENTITIES:
        listed = client.get(f"/api/apps/crm/{entity}", headers=auth).json()
        # The signed contract made finance a to-do of its own (a rule of the template).
        assert listed["total"] == (2 if entity == "todo" else 1), entity
    # Roll-ups: the receipt confirmed counts on its instalment (a rule), and the
    # instalment's outstanding amount, overdue, on the contract and the customer.
    read = client.get(f"/api/apps/crm/contract/{contract['id']}", headers=auth).json()
    assert read["total_amount"] == 230.0
    assert (read["planned_amount"], read["received_amount"]) == (230.0, 100.0)
    assert (read["outstanding_amount"], read["overdue_amount"]) == (130.0, 130.0)
    read = client.get(f"/api/apps/crm/customer/{customer['id']}", headers=auth).json()
    assert (read["contract_amount"], read["outstanding_amount"]) == (230.0, 130.0)
    assert read["contact_count"] == 1


def test_required_when_rules_name_the_missing_fields(
    client: TestClient, installed: dict[str, str]
) -> None:
    customer = _post(client, installed, "customer", {"name": "上海鑫源物流有限公司"})
    lost = client.post(
        "/api/apps/crm/opportunity",
        json={"name": "丢单", "customer": customer["id"], "stage": "lost"},
        headers=installed,
    )
    assert lost.status_code == 422
    assert {e["field"] for e in lost.json()["errors"]} == {"lost_reason", "closed_on"}
    orphan = client.post(
        "/api/apps/crm/follow_up", json={"subject": "无对象", "content": "…"}, headers=installed
    )
    assert orphan.status_code == 422
    assert {e["field"] for e in orphan.json()["errors"]} == {"lead"}


def test_roles_scope_records_the_way_a_sales_team_works(
    client: TestClient, installed: dict[str, str], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        sales = create_department(conn, "销售部")
        east = create_department(conn, "华东一组", parent_id=sales)
        south = create_department(conn, "华南一组", parent_id=sales)
        finance = create_department(conn, "财务部")
        people = {
            "director": (sales, "sales_director"),
            "manager": (east, "sales_manager"),
            "rep_a": (east, "sales_rep"),
            "rep_b": (east, "sales_rep"),
            "rep_c": (south, "sales_rep"),
            "cashier": (finance, "finance"),
        }
        for username, (department, role) in people.items():
            user = create_user(conn, platform.passwords, username, "pw", department_id=department)
            grant_role(conn, user.id, "crm", role)
    headers = {username: login(client, tenant, username) for username in people}
    mine = _post(client, headers["rep_a"], "customer", {"name": "宁波恒泰化工有限公司"})
    _post(client, headers["rep_c"], "customer", {"name": "深圳瑞丰网络科技有限公司"})

    def visible(username: str) -> int:
        answer = client.get("/api/apps/crm/customer", headers=headers[username])
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    assert [visible(u) for u in ("rep_a", "rep_b", "manager", "director", "cashier")] == [
        1,
        0,
        1,
        2,
        2,
    ]
    assert (
        client.get(f"/api/apps/crm/customer/{mine['id']}", headers=headers["rep_b"]).status_code
        == 404
    )
    assert client.get("/api/apps/crm/lead", headers=headers["cashier"]).status_code == 403
    answer = client.post(
        "/api/apps/crm/payment_receipt", json={"status": "confirmed"}, headers=headers["rep_a"]
    )
    assert answer.status_code == 422
    assert {"field": "status", "message": "is read-only for you"} in answer.json()["errors"]
    product = _post(
        client,
        installed,
        "product",
        {"code": "SW-1", "name": "平台", "list_price": 1, "cost_price": 0.5},
    )
    seen = client.get(f"/api/apps/crm/product/{product['id']}", headers=headers["rep_a"]).json()
    assert "cost_price" not in seen and seen["list_price"] == 1.0


def test_a_rep_claims_a_pool_lead_converts_it_and_returns_another(
    client: TestClient, installed: dict[str, str], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        team = create_department(conn, "华东一组")
        user = create_user(conn, platform.passwords, "rep_a", "pw", department_id=team)
        grant_role(conn, user.id, "crm", "sales_rep")
    rep = login(client, tenant, "rep_a")
    pooled = [
        _post(client, installed, "lead", {"company": name, "contact_name": "张伟",
                                          "source": "trade_show", "owner": None})
        for name in ("杭州鑫源智能装备有限公司", "南京华泰物流有限公司")
    ]  # fmt: skip
    offered = client.get(f"/api/apps/crm/lead/{pooled[0]['id']}/actions", headers=rep).json()
    assert "claim" in {action["key"] for action in offered["items"]}

    def act(lead: int, action: str, body: Any = None, who: dict[str, str] = rep) -> Any:
        answer = client.post(f"/api/apps/crm/lead/{lead}/actions/{action}", json=body, headers=who)
        assert answer.status_code == 200, answer.text
        return answer.json()

    first, second = (lead["id"] for lead in pooled)
    claimed = act(first, "claim")["record"]
    assert claimed["owner"] is not None and claimed["assigned_at"] is not None
    _post(client, rep, "follow_up", {"subject": "电话沟通", "content": "有需求", "lead": first})
    converted = act(first, "convert", {"opportunity": {"amount": 80000}})
    assert set(converted["created"]) == {"customer", "contact", "opportunity"}
    assert converted["record"]["status"] == "converted"
    assert len(converted["updated"]["follow_up"]) == 1
    opportunity = client.get(
        f"/api/apps/crm/opportunity/{converted['created']['opportunity']}", headers=rep
    ).json()
    assert (opportunity["lead"], opportunity["amount"], opportunity["stage"]) == (
        first, 80000.0, "initial",
    )  # fmt: skip
    act(second, "claim")
    returned = act(second, "return_to_pool", {"return_reason": "unreachable"})["record"]
    assert (returned["owner"], returned["times_returned"]) == (None, 1)


def test_finance_confirms_a_receipt_and_a_rep_may_not(
    client: TestClient, installed: dict[str, str], platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        cashier = create_user(conn, platform.passwords, "cashier", "pw")
        grant_role(conn, cashier.id, "crm", "finance")
        rep = create_user(conn, platform.passwords, "rep_a", "pw")
        grant_role(conn, rep.id, "crm", "sales_rep")
    customer = _post(client, installed, "customer", {"name": "厦门佳腾食品有限公司"})
    contract = _post(client, installed, "contract", {"title": "合同", "customer": customer["id"]})
    receipt = _post(
        client,
        installed,
        "payment_receipt",
        {"contract": contract["id"], "customer": customer["id"], "amount": 5000,
         "owner": rep.id},
    )  # fmt: skip
    url = f"/api/apps/crm/payment_receipt/{receipt['id']}/actions/confirm_receipt"
    refused = client.post(url, headers=login(client, tenant, "rep_a"))
    assert refused.status_code == 403, refused.text
    done = client.post(url, headers=login(client, tenant, "cashier"))
    assert done.status_code == 200, done.text
    record = done.json()["record"]
    assert (record["status"], record["confirmed_by"]) == ("confirmed", cashier.id)
    assert record["confirmed_at"] is not None
