"""``messaging.deliver`` end to end: real SMTP on loopback, the mail sink, retries, templates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.jobs import JobContext, run_until_idle
from engine.messaging import DELIVER, Outbound, queue
from engine.messaging.deliveries import MAX_ATTEMPTS, get_delivery
from engine.messaging.jobs import Deliverer
from engine.messaging.settings import put_settings
from engine.platform import Platform
from tests.engine.messaging.local_smtp import Inbox, free_port, smtp_server

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MAIL = {
    "subject": "合同 {{ number }} 已签署",
    "body": "您好 {{ name }}，金额 {{ amount }}。",
    "values": {"number": "HT-001", "name": "财务部", "amount": "¥12,000.00"},
}


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as server:
        yield server


def configure_smtp(platform: Platform, tenant: str, port: int) -> None:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "from_address": "crm@example.com",
        "from_name": "销售系统",
        "security": "none",
        "timeout": 2,
    }
    with platform.store.write(tenant) as conn:
        put_settings(conn, "email", config, now=NOW)


def queue_one(platform: Platform, tenant: str, recipient: str, content: Any = MAIL) -> int:
    with platform.store.write(tenant) as conn:
        (delivery_id,) = queue(
            conn, [Outbound("email", recipient, content, source="rule:crm/signed")], NOW
        )
    return delivery_id


def run(
    platform: Platform, tenant: str, delivery_id: int, attempt: int, sink: Path | None = None
) -> Any:
    context = JobContext(
        store=platform.store,
        tenant=tenant,
        job_id=0,
        kind=DELIVER,
        payload={"delivery": delivery_id},
        attempt=attempt,
        now=datetime.now(UTC),
    )
    return Deliverer(mail_sink=sink)(context)


def delivery(platform: Platform, tenant: str, delivery_id: int) -> dict[str, Any]:
    with platform.store.read(tenant) as conn:
        return get_delivery(conn, delivery_id)


def test_a_queued_email_is_sent_by_the_runner_over_smtp(
    platform: Platform, tenant: str, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    configure_smtp(platform, tenant, port)
    delivery_id = queue_one(platform, tenant, "finance@example.com")
    assert delivery(platform, tenant, delivery_id)["status"] == "queued"
    assert run_until_idle(platform.store, platform.jobs, tenant, holder="t") == 1
    found = delivery(platform, tenant, delivery_id)
    assert found["status"] == "sent" and found["sent_at"] is not None
    assert found["attempts"] == 1 and found["attempt_log"][0]["outcome"] == "sent"
    assert found["rendered"]["subject"] == "合同 HT-001 已签署"
    (mail,) = inbox.messages
    assert mail["Subject"] == "合同 HT-001 已签署"
    assert mail["To"] == "finance@example.com"
    assert "销售系统" in str(mail["From"])
    assert mail.get_content().strip() == "您好 财务部，金额 ¥12,000.00。"
    # Idempotent: a second run of the same delivery sends nothing.
    assert run(platform, tenant, delivery_id, 1) == {"skipped": "already sent"}
    assert len(inbox.messages) == 1


def test_a_rolled_back_write_queues_nothing(platform: Platform, tenant: str) -> None:
    with pytest.raises(RuntimeError), platform.store.write(tenant) as conn:
        queue(conn, [Outbound("email", "a@example.com", MAIL)], NOW)
        raise RuntimeError("the write failed")
    assert run_until_idle(platform.store, platform.jobs, tenant, holder="t") == 0


def test_a_550_fails_the_delivery_permanently(
    platform: Platform, tenant: str, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    configure_smtp(platform, tenant, port)
    delivery_id = queue_one(platform, tenant, "nobody@example.com")
    assert run(platform, tenant, delivery_id, 1) == {"status": "failed"}
    found = delivery(platform, tenant, delivery_id)
    assert found["status"] == "failed"
    assert found["attempt_log"][0]["status_code"] == 550
    assert "550" in found["last_error"]
    assert inbox.messages == []


def test_a_451_is_retried(platform: Platform, tenant: str, smtp: tuple[int, Inbox]) -> None:
    port, _ = smtp
    configure_smtp(platform, tenant, port)
    delivery_id = queue_one(platform, tenant, "busy@example.com")
    with pytest.raises(Exception, match="451"):
        run(platform, tenant, delivery_id, 1)
    assert delivery(platform, tenant, delivery_id)["status"] == "retrying"


def test_a_server_that_is_down_is_retried_then_failed(platform: Platform, tenant: str) -> None:
    configure_smtp(platform, tenant, free_port())  # nothing listens there
    delivery_id = queue_one(platform, tenant, "finance@example.com")
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(Exception, match="could not reach"):
            run(platform, tenant, delivery_id, attempt)
        found = delivery(platform, tenant, delivery_id)
        assert found["status"] == "retrying" and found["attempts"] == attempt
    assert run(platform, tenant, delivery_id, MAX_ATTEMPTS) == {"status": "failed"}
    found = delivery(platform, tenant, delivery_id)
    assert found["status"] == "failed" and found["attempts"] == MAX_ATTEMPTS
    assert all(entry["outcome"] == "retry" for entry in found["attempt_log"])


def test_a_template_bomb_fails_at_once_and_harms_nothing(
    platform: Platform, tenant: str, tmp_path: Path
) -> None:
    bomb = {**MAIL, "body": "{{ 'x' * 10**9 }}"}
    delivery_id = queue_one(platform, tenant, "finance@example.com", bomb)
    fine_id = queue_one(platform, tenant, "finance@example.com")
    assert run(platform, tenant, delivery_id, 1, tmp_path) == {"status": "failed"}
    found = delivery(platform, tenant, delivery_id)
    assert found["status"] == "failed" and found["attempts"] == 1
    assert "not allowed" in found["last_error"]
    assert run(platform, tenant, fine_id, 1, tmp_path)["status"] == "sent"


def test_no_smtp_and_a_sink_writes_a_readable_eml(
    platform: Platform, tenant: str, tmp_path: Path
) -> None:
    delivery_id = queue_one(platform, tenant, "finance@example.com")
    result = run(platform, tenant, delivery_id, 1, tmp_path)
    assert result["status"] == "sent" and "mail sink" in result["answer"]
    from email import message_from_bytes, policy

    eml = tmp_path / tenant / f"{delivery_id}.eml"
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["Subject"] == "合同 HT-001 已签署"
    assert "您好 财务部" in mail.get_body().get_content()  # type: ignore[union-attr]


def test_no_smtp_and_no_sink_fails_permanently(platform: Platform, tenant: str) -> None:
    delivery_id = queue_one(platform, tenant, "finance@example.com")
    assert run(platform, tenant, delivery_id, 1) == {"status": "failed"}
    assert "SMTP is not configured" in delivery(platform, tenant, delivery_id)["last_error"]


def test_an_unknown_channel_fails_the_delivery(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        (delivery_id,) = queue(conn, [Outbound("pigeon", "roof", {})], NOW)
    assert run(platform, tenant, delivery_id, 1) == {"status": "failed"}
    assert "pigeon" in delivery(platform, tenant, delivery_id)["last_error"]
