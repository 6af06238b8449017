"""Effects that leave the machine only enqueue, on SQLite and PostgreSQL: a
delivery and its job per recipient, in the write's own transaction, so a write
that fails takes them with it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from engine.forms import create_records
from engine.messaging import DELIVER
from engine.platform import Platform
from engine.rules import RuleFailed
from engine.store.tables import deliveries, jobs
from tests.engine.rules.conftest import Install


def rule_with(*effects: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "send",
        "label": {"en": "Send"},
        "entity": "ticket",
        "trigger": {"on": "created"},
        "effects": list(effects),
    }


EMAIL = {
    "type": "email",
    "to": {"fields": ["contact_email", "owner"], "users": ["lead"], "addresses": ["ops@x.cn"]},
    "subject": "Ticket {{ record.title }} ({{ record.priority }})",
    "body": "Owner: {{ record.owner }}",
}


def jobs_of(platform: Platform, tenant: str) -> list[dict[str, Any]]:
    with platform.store.read(tenant) as conn:
        return [dict(r._mapping) for r in conn.execute(select(jobs).where(jobs.c.kind == DELIVER))]


def test_email_is_queued_per_address_with_its_templates_and_values(
    desk: Install, platform: Platform, tenant: str
) -> None:
    app = desk(rule_with(EMAIL))
    ticket = app.ticket(
        "Printer", priority="high", contact_email="li@client.cn", owner=app.ids["agent"]
    )
    queued = app.deliveries()
    # People in the order they were created, then the fields', then literals.
    assert [d["recipient"] for d in queued] == [
        "lead@example.com",
        "agent@example.com",
        "li@client.cn",
        "ops@x.cn",
    ]
    for delivery in queued:
        assert (delivery["channel"], delivery["status"]) == ("email", "queued")
        assert (delivery["app"], delivery["entity"]) == ("desk", "ticket")
        assert (delivery["record_id"], delivery["source"]) == (ticket, "rule:desk/send")
        content = delivery["content"]
        assert content["subject"] == EMAIL["subject"]
        assert content["html"] is False
        # The values the templates read — display values (a user's name) —
        # and only those: a delivery carries what its templates name.
        assert content["values"]["record"] == {
            "title": "Printer",
            "priority": content["values"]["record"]["priority"],
            "owner": "Agent",
        }
        assert content["values"]["raw"] == {}
        assert content["values"]["id"] == ticket
    # One delivery job each, queued with them.
    assert sorted(job["payload"]["delivery"] for job in jobs_of(platform, tenant)) == [
        d["id"] for d in queued
    ]
    (run,) = app.runs("send")
    assert run["effects"][0]["to"] == [d["recipient"] for d in queued]


def test_sms_goes_to_phone_fields_and_numbers(desk: Install) -> None:
    sms = {
        "type": "sms",
        "to": {"fields": ["mobile"], "addresses": ["13800000000"]},
        "body": "{{ record.title }}",
    }
    app = desk(rule_with(sms))
    app.ticket(mobile="13912345678")
    app.ticket()
    assert [(d["channel"], d["recipient"]) for d in app.deliveries()] == [
        ("sms", "13912345678"),
        ("sms", "13800000000"),
        ("sms", "13800000000"),
    ]


def test_webhook_and_robots_are_queued_to_their_urls(desk: Install) -> None:
    app = desk(
        rule_with(
            {"type": "webhook", "url": "https://hooks.example.com/in"},
            {"type": "webhook", "url": "https://hooks.example.com/named", "event": "desk.new"},
            {
                "type": "dingtalk",
                "robot": "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "text": "New: {{ record.title }}",
                "at_mobiles": ["13900000000"],
            },
            {"type": "wecom", "robot": "support_robot", "msgtype": "markdown", "text": "x"},
        )
    )
    ticket = app.ticket("Printer")
    queued = app.deliveries()
    assert [d["channel"] for d in queued] == ["webhook", "webhook", "dingtalk", "wecom"]
    first, named, ding, wecom = queued
    assert first["content"]["event"] == "ticket.created"
    assert first["content"]["payload"]["raw"]["title"] == "Printer"
    assert first["content"]["payload"]["id"] == ticket
    assert named["content"]["event"] == "desk.new"
    assert ding["content"]["text"] == "New: {{ record.title }}"
    assert ding["content"]["at_mobiles"] == ["13900000000"]
    assert (wecom["recipient"], wecom["content"]["msgtype"]) == ("support_robot", "markdown")


def test_deliveries_are_in_the_write_transaction_and_roll_back_with_it(
    desk: Install, platform: Platform, tenant: str
) -> None:
    app = desk(rule_with(EMAIL))

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), app.writing() as ctx:
        create_records(ctx, ctx.app.entities["ticket"], [{"title": "T", "owner": app.ids["agent"]}])
        seen = ctx.conn.scalar(select(func.count()).select_from(deliveries))
        assert seen == 3
        raise Abandon
    assert app.deliveries() == []
    assert jobs_of(platform, tenant) == []


def test_a_failed_write_queues_nothing(desk: Install, platform: Platform, tenant: str) -> None:
    app = desk(
        rule_with(EMAIL, {"type": "set_fields", "values": {"priority": "=CONCAT('x', title)"}})
    )
    with pytest.raises(RuleFailed) as caught:
        app.ticket(owner=app.ids["agent"])
    assert caught.value.effect == 1
    assert app.count("ticket") == 0
    assert app.deliveries() == []
    assert jobs_of(platform, tenant) == []
    assert [run["outcome"] for run in app.runs("send")] == ["failed"]
