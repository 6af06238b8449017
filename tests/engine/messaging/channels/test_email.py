"""The e-mail channel without a server: rendering, the message it builds, what it refuses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.messaging.channels.base import ChannelSettings, PermanentFailure, TemplateFailed
from engine.messaging.channels.email import EmailChannel, build_message
from engine.messaging.jobs import SandboxRenderer


def render(content: Mapping[str, Any], recipient: str = "a@example.com") -> Any:
    return EmailChannel().render(recipient, content, SandboxRenderer())


def test_a_subject_cannot_inject_headers() -> None:
    message = render({"subject": "Hi\r\nBcc: x@evil.test {{ n }}", "body": "b", "values": {"n": 1}})
    assert message.parts["subject"] == "Hi Bcc: x@evil.test 1"
    mail = build_message(message, None)
    assert mail["Bcc"] is None


def test_an_html_body_escapes_its_values() -> None:
    message = render(
        {"subject": "s", "body": "<p>{{ v }}</p>", "html": True, "values": {"v": "<script>"}}
    )
    assert message.parts["body"] == "<p>&lt;script&gt;</p>"
    assert build_message(message, None).get_content_type() == "text/html"


def test_missing_templates_and_bombs_are_template_failures() -> None:
    with pytest.raises(TemplateFailed):
        render({"subject": "s"})
    with pytest.raises(TemplateFailed, match="not allowed"):
        render({"subject": "{{ ''.__class__ }}", "body": "b"})
    with pytest.raises(TemplateFailed, match="not allowed"):
        render({"subject": "s", "body": "{{ 'x' * 10**9 }}", "html": True})


def test_a_bad_address_fails_permanently(tmp_path: Path) -> None:
    message = render({"subject": "s", "body": "b"}, recipient="not an address")
    with pytest.raises(PermanentFailure, match="not an e-mail address"):
        EmailChannel(sink_file=tmp_path / "x.eml").send(message, ChannelSettings())
