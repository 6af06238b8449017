"""A user links only to records they may read: on the CRM template a rep may
not link a contact, contract or follow-up to another rep's customer or lead
(which would show its values through lookups and let rules write to it),
gets the same words as for an id that does not exist, and may still send
back a link their record already holds; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_owner_patch import CRM, LEAD, Crm, crm, refused_fields

__all__ = ["crm"]  # the fixture, imported for this module's tests

ZH = {"Accept-Language": "zh-CN"}


def customer_of(crm: Crm, username: str, name: str) -> dict[str, Any]:
    return crm.post("admin", "customer", {"name": name, "owner": crm.ids[username]})


def post_as(crm: Crm, username: str, entity: str, body: dict[str, Any]) -> httpx.Response:
    response: httpx.Response = crm.client.post(
        f"{CRM}/{entity}", json=body, headers={**crm.auth(username), **ZH}
    )
    return response


def test_a_rep_may_not_link_to_another_reps_customer(crm: Crm) -> None:
    theirs = customer_of(crm, "rep_b", "乙的客户")
    mine = customer_of(crm, "rep_a", "甲的客户")

    refused = post_as(crm, "rep_a", "contact", {"name": "王五", "customer": theirs["id"]})
    assert refused_fields(refused) == ["customer"]
    (error,) = refused.json()["errors"]
    # The words of an id that does not exist: nothing about the other rep's record.
    assert "不存在或无权访问" in error["message"]
    missing = post_as(crm, "rep_a", "contact", {"name": "王五", "customer": 999_999})
    assert missing.json()["errors"][0]["message"] == error["message"].replace(
        str(theirs["id"]), "999999"
    )

    accepted = post_as(crm, "rep_a", "contact", {"name": "王五", "customer": mine["id"]})
    assert accepted.status_code == 201, accepted.text


def test_a_lookup_cannot_read_another_reps_contact(crm: Crm) -> None:
    theirs = customer_of(crm, "rep_b", "乙的客户")
    contact = crm.post("rep_b", "contact", {"name": "赵六", "customer": theirs["id"]})
    mine = customer_of(crm, "rep_a", "甲的客户")
    body = {
        "title": "甲的合同",
        "customer": mine["id"],
        "contact": contact["id"],
        "status": "draft",
    }
    refused = post_as(crm, "rep_a", "contract", body)
    assert refused_fields(refused) == ["contact"]
    assert "contact_mobile" not in refused.text


def test_a_follow_up_cannot_move_another_reps_lead(crm: Crm) -> None:
    theirs = crm.post(
        "admin", "lead", {**LEAD, "company": "乙的线索公司", "owner": crm.ids["rep_b"]}
    )
    body = {
        "subject": "打个电话",
        "method": "call",
        "followed_at": "2026-12-01T10:00:00Z",
        "content": "聊了聊",
        "lead": theirs["id"],
    }
    refused = post_as(crm, "rep_a", "follow_up", body)
    assert refused_fields(refused) == ["lead"]
    after = crm.read("admin", "lead", theirs["id"])
    assert after["last_followed_up_at"] == theirs["last_followed_up_at"]
    assert after["version"] == theirs["version"]


def test_a_link_the_record_holds_may_be_sent_back_after_its_target_left_the_scope(
    crm: Crm,
) -> None:
    customer = customer_of(crm, "rep_a", "交接中的客户")
    contact = crm.post("rep_a", "contact", {"name": "孙七", "customer": customer["id"]})
    # The customer passes to another rep; rep_a's contact still points at it.
    crm.patch("admin", "customer", customer, owner=crm.ids["rep_b"]).raise_for_status()

    kept = crm.patch("rep_a", "contact", contact, name="孙七（已交接）", customer=customer["id"])
    assert kept.status_code == 200, kept.text
    # Pointing it elsewhere out of reach is still refused.
    other = customer_of(crm, "rep_b", "乙的另一个客户")
    current = crm.read("rep_a", "contact", contact["id"])
    moved = crm.patch("rep_a", "contact", current, customer=other["id"])
    assert refused_fields(moved) == ["customer"]


def test_a_manager_links_within_the_department(crm: Crm) -> None:
    theirs = customer_of(crm, "rep_b", "组内客户")
    answer = post_as(crm, "manager", "contact", {"name": "周八", "customer": theirs["id"]})
    assert answer.status_code == 201, answer.text


def test_a_bulk_edit_cannot_link_to_another_reps_lead(crm: Crm) -> None:
    mine = crm.post("admin", "lead", {**LEAD, "company": "甲的线索", "owner": crm.ids["rep_a"]})
    theirs = crm.post("admin", "lead", {**LEAD, "company": "乙的线索", "owner": crm.ids["rep_b"]})
    body = {
        "subject": "拜访",
        "method": "visit",
        "followed_at": "2026-12-01T10:00:00Z",
        "content": "见面",
        "lead": mine["id"],
    }
    created = post_as(crm, "rep_a", "follow_up", body)
    assert created.status_code == 201, created.text
    follow_up = created.json()
    answer = crm.client.post(
        f"{CRM}/follow_up/bulk-update",
        json={"ids": [follow_up["id"]], "values": {"lead": theirs["id"]}},
        headers={**crm.auth("rep_a"), **ZH},
    )
    assert answer.status_code == 422, answer.text
    assert crm.read("rep_a", "follow_up", follow_up["id"])["lead"] == mine["id"]
