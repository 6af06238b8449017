"""SMS through one HTTP connector per tenant.

SMS providers all take "an HTTP request with the number and the text", each
in its own shape, so the tenant's admin describes the request (``Config``):
URL, method, a body template, its content type and the name of the header
carrying the key (``settings.secret`` is that header's value, write-only).

The body template reads exactly two values, ``{{ to }}`` and ``{{ text }}``,
and nothing else: it is checked when the settings are saved, and filled in by
substitution with each value escaped for the content type (a JSON string, a
form field, XML text), so a text with quotes or ``&`` still makes a valid
body. It is not a general Jinja template on purpose: it is rendered at send
time, where no sandboxed renderer with its time limit runs, and a connector
needs no logic — the message's logic is in the rule's text template, which is
rendered through the sandbox in ``render``. With ``GET`` the filled template
is the query string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal
from urllib.parse import quote_plus
from xml.sax.saxutils import escape as xml_escape

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.messaging import net
from engine.messaging.channels.base import (
    Channel,
    ChannelSettings,
    Message,
    PermanentFailure,
    Renderer,
    TemplateFailed,
)

_PLACEHOLDER = re.compile(r"\{\{\s*(to|text)\s*\}\}")
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,31}")
MAX_TEXT = 2_000


def _escape(value: str, content_type: str, method: str) -> str:
    """``value`` written so it stays one value inside a body of ``content_type``."""
    kind = content_type.lower()
    if method == "GET" or "x-www-form-urlencoded" in kind:
        return quote_plus(value)
    if "json" in kind:
        return json.dumps(value, ensure_ascii=False)[1:-1]
    if "xml" in kind:
        return xml_escape(value, {'"': "&quot;", "'": "&apos;"})
    return value


def fill(template: str, values: Mapping[str, str], content_type: str, method: str) -> str:
    """The request body: ``template`` with ``{{ to }}``/``{{ text }}`` filled, escaped."""
    return _PLACEHOLDER.sub(
        lambda m: _escape(values[m.group(1)], content_type, method),
        template,
    )


class SmsChannel(Channel):
    key: ClassVar[str] = "sms"
    label: ClassVar[Mapping[str, str]] = {"zh-CN": "短信", "en": "SMS"}

    class Config(BaseModel):
        """The tenant's connector; the auth header's value is the channel secret."""

        model_config = ConfigDict(extra="forbid")
        url: str = Field(max_length=2_000)
        method: Literal["POST", "GET", "PUT"] = "POST"
        body_template: str = Field(
            default='{"to": "{{ to }}", "text": "{{ text }}"}', max_length=4_000
        )
        content_type: str = Field(default="application/json", max_length=200)
        auth_header: str | None = Field(
            default="Authorization", max_length=100, pattern=r"^[A-Za-z0-9-]+$"
        )
        timeout_s: float = Field(default=10.0, gt=0, le=30)

        @field_validator("url")
        @classmethod
        def _http_url(cls, url: str) -> str:
            # Addresses are checked at each send (the admin may allowlist a
            # private host); here only what can never work is refused.
            if not url.startswith(("http://", "https://")):
                raise ValueError("the connector URL must start with http:// or https://")
            return url

        @field_validator("body_template")
        @classmethod
        def _only_to_and_text(cls, template: str) -> str:
            rest = _PLACEHOLDER.sub("", template)
            if _TEMPLATE_SYNTAX.search(rest):
                raise ValueError("the body template may only use {{ to }} and {{ text }}")
            return template

    def render(self, recipient: str, content: Mapping[str, Any], renderer: Renderer) -> Message:
        template = content.get("body")
        if not isinstance(template, str):
            raise TemplateFailed("an SMS needs a body template")
        text = renderer(template, content.get("values") or {}).strip()
        if not text:
            raise TemplateFailed("the SMS text is empty")
        if len(text) > MAX_TEXT:
            raise TemplateFailed(f"the SMS text is longer than {MAX_TEXT} characters")
        return Message(recipient=recipient.strip(), parts={"text": text})

    def send(self, message: Message, settings: ChannelSettings) -> str:
        if not settings.config:
            raise PermanentFailure("SMS is not set up: a tenant admin configures the connector")
        try:
            config = self.Config.model_validate(dict(settings.config))
        except ValidationError as err:
            raise PermanentFailure(f"the SMS settings are not valid: {err}") from err
        if not _PHONE.fullmatch(message.recipient):
            raise PermanentFailure(f"{message.recipient!r} is not a phone number")
        headers: dict[str, str] = {}
        if config.auth_header:
            if not settings.secret:
                raise PermanentFailure(f"the SMS connector has no value for {config.auth_header}")
            headers[config.auth_header] = settings.secret
        values = {"to": message.recipient, "text": str(message.parts["text"])}
        filled = fill(config.body_template, values, config.content_type, config.method)
        url, body = config.url, filled.encode()
        if config.method == "GET":
            url = url + ("&" if "?" in url else "?") + filled
            body = b""
        else:
            headers["Content-Type"] = config.content_type
            if "json" in config.content_type.lower():
                try:
                    json.loads(filled)
                except ValueError as err:
                    raise PermanentFailure(
                        f"the SMS body template does not make valid JSON: {err}"
                    ) from err
        answer = net.post(
            url,
            body=body,
            headers=headers,
            method=config.method,
            allowed_hosts=settings.allowed_hosts,
            timeout_s=config.timeout_s,
        )
        return f"HTTP {answer.status_code}: {answer.snippet()}"


__all__ = ["SmsChannel", "fill"]
