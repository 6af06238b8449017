"""Webhooks: the body, the Standard Webhooks signature (checked by a receiver
written here independently), retries and refusals, against a local server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.messaging.channels.base import (
    ChannelSettings,
    PermanentFailure,
    RetryableFailure,
    TemplateFailed,
)
from engine.messaging.channels.webhook import WebhookChannel, new_secret, sign, verify
from tests.engine.messaging.local_http import Answer, Received, serve

_env = ImmutableSandboxedEnvironment()
LOCAL = frozenset({"127.0.0.1"})
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def renderer(template: str, values: Mapping[str, Any]) -> str:
    return _env.from_string(template).render(**values)


def receiver_accepts(secret: str, request: Received, tolerance_s: int = 300) -> bool:
    """The Standard Webhooks check, written from the specification: HMAC-SHA256
    keyed with the base64 part of ``whsec_…`` over ``id.timestamp.body``."""
    message_id = request.header("webhook-id")
    stamp = request.header("webhook-timestamp")
    signatures = request.header("webhook-signature") or ""
    if not message_id or not stamp or abs(time.time() - int(stamp)) > tolerance_s:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    content = message_id.encode() + b"." + stamp.encode() + b"." + request.body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(given, expected)
        for version, _, given in (s.partition(",") for s in signatures.split(" "))
    )


def settings(secret: str | None = SECRET, **config: Any) -> ChannelSettings:
    return ChannelSettings(config=config, secret=secret, allowed_hosts=LOCAL)


CONTENT = {
    "event": "lead.assigned",
    "payload": {"lead": {"id": 7, "name": '王 "Ada"'}, "owner": "li"},
    "message_id": "msg_42",
}


def test_a_webhook_is_signed_the_standard_webhooks_way() -> None:
    channel = WebhookChannel()
    with serve() as server:
        message = channel.render(server.url(), CONTENT, renderer)
        answer = channel.send(message, settings())
    assert answer.startswith("HTTP 200")
    [got] = server.received
    assert receiver_accepts(SECRET, got)
    assert verify(SECRET, got.headers, got.body)
    assert got.header("webhook-id") == "msg_42"
    assert got.header("Content-Type") == "application/json"
    body = json.loads(got.body)
    assert body["type"] == "lead.assigned"
    assert body["data"] == CONTENT["payload"]
    assert datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).tzinfo is not None
    assert re.fullmatch(r"\d+", got.header("webhook-timestamp") or "")


def test_the_id_is_stable_across_retries() -> None:
    channel = WebhookChannel()
    answers = iter([Answer(503, b"down"), Answer(200, b"ok")])
    with serve(lambda r: next(answers)) as server:
        message = channel.render(server.url(), {**CONTENT, "message_id": None}, renderer)
        with pytest.raises(RetryableFailure) as failed:
            channel.send(message, settings())
        assert failed.value.status_code == 503
        channel.send(message, settings())
    first, second = server.received
    assert first.header("webhook-id") == second.header("webhook-id")
    assert (first.header("webhook-id") or "").startswith("msg_")
    assert receiver_accepts(SECRET, first) and receiver_accepts(SECRET, second)


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (500, RetryableFailure),
        (503, RetryableFailure),
        (429, RetryableFailure),
        (400, PermanentFailure),
        (404, PermanentFailure),
    ],
)
def test_answers_are_classified(status: int, failure: type[Exception]) -> None:
    channel = WebhookChannel()
    with serve(lambda r: Answer(status, b"answer")) as server:
        message = channel.render(server.url(), CONTENT, renderer)
        with pytest.raises(failure):
            channel.send(message, settings())


def test_without_a_secret_nothing_is_sent() -> None:
    channel = WebhookChannel()
    with serve() as server:
        message = channel.render(server.url(), CONTENT, renderer)
        with pytest.raises(PermanentFailure, match="no webhook signing secret"):
            channel.send(message, settings(secret=None))
    assert server.received == []


def test_a_loopback_webhook_is_refused_unless_allowlisted() -> None:
    channel = WebhookChannel()
    with serve() as server:
        message = channel.render(server.url(), CONTENT, renderer)
        refused = ChannelSettings(secret=SECRET)
        with pytest.raises(PermanentFailure, match="loopback"):
            channel.send(message, refused)
    assert server.received == []


def test_the_timeout_comes_from_the_settings() -> None:
    with pytest.raises(ValueError):
        WebhookChannel.Config.model_validate({"timeout_s": 600})
    assert WebhookChannel.Config.model_validate({}).timeout_s == 10.0


@pytest.mark.parametrize(
    "content",
    [
        {"payload": {}},
        {"event": "", "payload": {}},
        {"event": "x", "payload": {"n": float("nan")}},
        {"event": "x", "payload": {"when": object()}},
    ],
)
def test_content_that_cannot_become_a_webhook_fails_at_render(content: dict[str, Any]) -> None:
    with pytest.raises(TemplateFailed):
        WebhookChannel().render("https://hooks.example.com/", content, renderer)


def test_new_secrets_are_whsec_base64_of_24_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert new_secret() != secret


def test_verify_refuses_tampering_other_secrets_and_old_messages() -> None:
    body = b'{"type":"x"}'
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": "v1,bm90IGl0 " + sign(SECRET, "msg_1", now, body),
    }
    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body + b" ")
    assert not verify(new_secret(), headers, body)
    assert not verify(SECRET, {**headers, "webhook-id": "msg_2"}, body)
    assert not verify(SECRET, headers, body, now=now + 301)
    assert not verify(SECRET, {k: v for k, v in headers.items() if k != "webhook-id"}, body)
    assert not verify("whsec_!!!", headers, body)
