"""The SMS connector: the request each tenant's configuration describes,
against a local server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import ValidationError

from engine.messaging.channels.base import (
    ChannelSettings,
    PermanentFailure,
    RetryableFailure,
    TemplateFailed,
)
from engine.messaging.channels.sms import SmsChannel
from tests.engine.messaging.local_http import Answer, serve

_env = ImmutableSandboxedEnvironment()
LOCAL = frozenset({"127.0.0.1"})
TRICKY = 'Lead "Ada" <ada@example.com> & co\\ — 你好\n{{ not a template }}'


def renderer(template: str, values: Mapping[str, Any]) -> str:
    return _env.from_string(template).render(**values)


def settings(url: str, secret: str | None = "Bearer k-123", **config: Any) -> ChannelSettings:
    return ChannelSettings(config={"url": url, **config}, secret=secret, allowed_hosts=LOCAL)


def content(text: str = "Hello {{ name }}, your contract {{ no }} is signed") -> dict[str, Any]:
    return {"body": text, "values": {"name": "Ada", "no": "C-7"}}


def test_the_text_is_rendered_from_the_rule_template() -> None:
    message = SmsChannel().render(" +86 138-0000-0000 ", content(), renderer)
    assert message.recipient == "+86 138-0000-0000"
    assert message.parts == {"text": "Hello Ada, your contract C-7 is signed"}


def test_a_json_body_with_quotes_is_valid_json_and_carries_the_auth_header() -> None:
    channel = SmsChannel()
    template = '{"sign": "Formwork", "phone": "{{ to }}", "msg": "{{text}}"}'
    with serve(lambda r: Answer(200, b'{"code":0}')) as server:
        message = channel.render(
            "13800000000", {"body": "{{ t }}", "values": {"t": TRICKY}}, renderer
        )
        answer = channel.send(message, settings(server.url("/sms"), body_template=template))
    assert answer == 'HTTP 200: {"code":0}'
    [got] = server.received
    assert got.method == "POST"
    assert got.header("Authorization") == "Bearer k-123"
    assert got.header("Content-Type") == "application/json"
    assert json.loads(got.body) == {
        "sign": "Formwork",
        "phone": "13800000000",
        "msg": TRICKY.strip(),
    }


def test_a_form_body_is_url_encoded_with_a_custom_auth_header() -> None:
    channel = SmsChannel()
    with serve() as server:
        message = channel.render(
            "13800000000", {"body": "{{ t }}", "values": {"t": TRICKY}}, renderer
        )
        channel.send(
            message,
            settings(
                server.url("/send"),
                secret="k-456",
                method="PUT",
                content_type="application/x-www-form-urlencoded",
                body_template="to={{ to }}&text={{ text }}&from=CRM",
                auth_header="X-Api-Key",
            ),
        )
    [got] = server.received
    assert got.method == "PUT"
    assert got.header("X-Api-Key") == "k-456"
    assert parse_qs(got.body.decode()) == {
        "to": ["13800000000"],
        "text": [TRICKY.strip()],
        "from": ["CRM"],
    }


def test_get_puts_the_filled_template_in_the_query() -> None:
    channel = SmsChannel()
    with serve() as server:
        message = channel.render("+8613800000000", content(), renderer)
        channel.send(
            message,
            settings(
                server.url("/send?account=crm"),
                method="GET",
                body_template="mobile={{ to }}&content={{ text }}",
                auth_header=None,
                secret=None,
            ),
        )
    [got] = server.received
    assert got.method == "GET"
    assert got.body == b""
    assert got.query == {
        "account": ["crm"],
        "mobile": ["+8613800000000"],
        "content": ["Hello Ada, your contract C-7 is signed"],
    }
    assert got.header("Authorization") is None


def test_an_xml_body_escapes_the_values() -> None:
    channel = SmsChannel()
    with serve() as server:
        message = channel.render("13800000000", {"body": 'a < b & "c"', "values": {}}, renderer)
        channel.send(
            message,
            settings(
                server.url(),
                content_type="application/xml",
                body_template="<sms><to>{{ to }}</to><text>{{ text }}</text></sms>",
            ),
        )
    [got] = server.received
    assert got.body == b"<sms><to>13800000000</to><text>a &lt; b &amp; &quot;c&quot;</text></sms>"


@pytest.mark.parametrize(
    ("status", "failure"),
    [(503, RetryableFailure), (429, RetryableFailure), (401, PermanentFailure)],
)
def test_provider_answers_are_classified(status: int, failure: type[Exception]) -> None:
    channel = SmsChannel()
    with serve(lambda r: Answer(status, b"nope")) as server:
        message = channel.render("13800000000", content(), renderer)
        with pytest.raises(failure):
            channel.send(message, settings(server.url()))


@pytest.mark.parametrize(
    "template",
    [
        "{{ 9**9**9 }}",
        '{"to": "{{ to }}", "x": "{{ config }}"}',
        "{% for i in range(10) %}{{ text }}{% endfor %}",
        "{# hidden #}{{ to }}",
        "{{ text|upper }}",
    ],
)
def test_the_body_template_may_only_use_to_and_text(template: str) -> None:
    with pytest.raises(ValidationError, match="only use"):
        SmsChannel.Config.model_validate(
            {"url": "https://sms.example.com/", "body_template": template}
        )


def test_the_connector_url_must_be_http() -> None:
    with pytest.raises(ValidationError):
        SmsChannel.Config.model_validate({"url": "file:///etc/passwd"})


def test_nothing_is_sent_without_settings_a_number_or_the_key() -> None:
    channel = SmsChannel()
    with serve() as server:
        message = channel.render("13800000000", content(), renderer)
        with pytest.raises(PermanentFailure, match="not set up"):
            channel.send(message, ChannelSettings())
        with pytest.raises(PermanentFailure, match="no value for Authorization"):
            channel.send(message, settings(server.url(), secret=None))
        with pytest.raises(PermanentFailure, match="settings are not valid"):
            channel.send(message, settings(server.url(), method="DELETE"))
        not_a_number = channel.render("ada@example.com", content(), renderer)
        with pytest.raises(PermanentFailure, match="not a phone number"):
            channel.send(not_a_number, settings(server.url()))
    assert server.received == []


def test_a_body_template_that_is_not_json_fails_before_sending() -> None:
    channel = SmsChannel()
    with serve() as server:
        message = channel.render("13800000000", content(), renderer)
        with pytest.raises(PermanentFailure, match="valid JSON"):
            channel.send(message, settings(server.url(), body_template='{"text": {{ text }}}'))
    assert server.received == []


def test_a_loopback_connector_is_refused_unless_allowlisted() -> None:
    channel = SmsChannel()
    with serve() as server:
        message = channel.render("13800000000", content(), renderer)
        refused = ChannelSettings(config={"url": server.url()}, secret="k")
        with pytest.raises(PermanentFailure, match="loopback"):
            channel.send(message, refused)
    assert server.received == []


@pytest.mark.parametrize("body", ["   ", "{{ nothing }}"])
def test_an_empty_text_fails_at_render(body: str) -> None:
    with pytest.raises(TemplateFailed):
        SmsChannel().render("13800000000", {"body": body, "values": {}}, renderer)
