"""Webhooks, signed the Standard Webhooks way (https://www.standardwebhooks.com).

A rule's webhook effect writes ``{"event": "lead.assigned", "payload": {...}}``
and names the URL as the recipient. The receiver gets

    {"type": <event>, "timestamp": <ISO 8601, UTC>, "data": <payload>}

with the headers ``webhook-id`` (stable across retries: ``msg_<delivery id>``,
which the delivery job puts in the content as ``message_id``, so a receiver
can drop duplicates), ``webhook-timestamp`` (unix seconds of this attempt)
and ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``
keyed with the tenant's ``whsec_<base64>`` secret. ``verify`` is what a
receiver runs; the tests use it and an independent implementation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.messaging import net
from engine.messaging.channels.base import (
    Channel,
    ChannelSettings,
    Message,
    PermanentFailure,
    Renderer,
    TemplateFailed,
)

SECRET_PREFIX = "whsec_"
#: How old a signed message a receiver accepts (the Standard Webhooks default).
TOLERANCE_S = 5 * 60


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_<base64>`` secret stands for."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as err:
        raise PermanentFailure("the webhook signing secret is not whsec_<base64>") from err


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """Whether ``body`` with ``headers`` was signed with ``secret`` recently:
    what a receiver checks (any of the space-separated ``v1,`` signatures)."""
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not message_id or not stamp or not signatures:
        return False
    try:
        timestamp = int(stamp)
        expected = sign(secret, message_id, timestamp, body)
    except (ValueError, PermanentFailure):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    return any(hmac.compare_digest(expected, given) for given in signatures.split())


class WebhookChannel(Channel):
    key: ClassVar[str] = "webhook"
    label: ClassVar[Mapping[str, str]] = {"zh-CN": "Webhook", "en": "Webhook"}

    class Config(BaseModel):
        """A tenant's webhook settings (the signing secret is kept apart, write-only)."""

        model_config = ConfigDict(extra="forbid")
        timeout_s: float = Field(default=10.0, gt=0, le=30)

    def render(self, recipient: str, content: Mapping[str, Any], renderer: Renderer) -> Message:
        event = content.get("event")
        payload = content.get("payload", {})
        if not isinstance(event, str) or not event:
            raise TemplateFailed("a webhook needs an event name")
        try:
            # The payload is data, not a template: it only has to be JSON.
            json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise TemplateFailed(f"the webhook payload is not JSON: {err}") from err
        message_id = content.get("message_id") or f"msg_{uuid.uuid4().hex}"
        return Message(
            recipient=recipient,
            parts={"message_id": str(message_id), "type": event, "data": payload},
        )

    def send(self, message: Message, settings: ChannelSettings) -> str:
        if not settings.secret:
            raise PermanentFailure("no webhook signing secret: a tenant admin sets one")
        try:
            config = self.Config.model_validate(dict(settings.config))
        except ValidationError as err:
            raise PermanentFailure(f"the webhook settings are not valid: {err}") from err
        now = datetime.now(UTC)
        timestamp = int(now.timestamp())
        body = json.dumps(
            {
                "type": message.parts["type"],
                "timestamp": now.isoformat().replace("+00:00", "Z"),
                "data": message.parts["data"],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        message_id = str(message.parts["message_id"])
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Formwork-Webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(settings.secret, message_id, timestamp, body),
        }
        answer = net.post(
            message.recipient,
            body=body,
            headers=headers,
            allowed_hosts=settings.allowed_hosts,
            timeout_s=config.timeout_s,
        )
        return f"HTTP {answer.status_code}: {answer.snippet()}"


__all__ = ["WebhookChannel", "new_secret", "sign", "verify"]
