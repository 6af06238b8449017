"""E-mail over SMTP (``smtplib``), or into the mail sink of a demo.

Content, as rules write it: ``{"subject": template, "body": template,
"html": bool, "values": {...}}``; the recipient is one address. Settings
(``Config``): host, port, username, from address and name, security
(``starttls``, ``ssl`` or ``none``) and timeout; the password is the
channel's secret, which no endpoint returns.

Failures: a refused or timed-out connection and a 4xx SMTP answer may pass
later (``RetryableFailure``); a 5xx answer (550: no such mailbox; 535: bad
password) will not (``PermanentFailure``).

The mail sink: with no SMTP host configured and a sink file given (the
platform has a mail-sink directory in demo mode), the message is written
there as an ``.eml`` file and counts as sent, so a newcomer reads what
would have been sent.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.messaging.channels.base import (
    Channel,
    ChannelSettings,
    Message,
    PermanentFailure,
    Renderer,
    RetryableFailure,
    TemplateFailed,
)
from engine.templating import TemplateError, render

_ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]{1,255}$")
#: A subject longer than this is cut (mail clients show far less).
SUBJECT_CHARS = 500


class EmailChannel(Channel):
    key: ClassVar[str] = "email"
    label: ClassVar[Mapping[str, str]] = {"zh-CN": "电子邮件", "en": "Email"}

    class Config(BaseModel):
        """The tenant's SMTP server; the password is the channel secret."""

        model_config = ConfigDict(extra="forbid")
        host: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9.\-\[\]:]+$")
        port: int = Field(default=587, ge=1, le=65535)
        username: str | None = Field(default=None, max_length=255)
        from_address: str = Field(max_length=320, pattern=_ADDRESS.pattern)
        from_name: str | None = Field(default=None, max_length=200)
        security: Literal["starttls", "ssl", "none"] = "starttls"
        timeout: float = Field(default=10.0, gt=0, le=60)

    def __init__(self, sink_file: Path | None = None) -> None:
        #: Where this message goes when no SMTP server is configured.
        self.sink_file = sink_file

    def render(self, recipient: str, content: Mapping[str, Any], renderer: Renderer) -> Message:
        subject_template = content.get("subject")
        body_template = content.get("body")
        if not isinstance(subject_template, str) or not isinstance(body_template, str):
            raise TemplateFailed("an e-mail needs a subject and a body template")
        values = content.get("values") or {}
        html = bool(content.get("html", False))
        subject = " ".join(renderer(subject_template, values).split())[:SUBJECT_CHARS]
        if html:
            # HTML bodies escape the values they show.
            try:
                body = render(body_template, values, html=True)
            except TemplateError as err:
                raise TemplateFailed(err.message) from None
        else:
            body = renderer(body_template, values)
        return Message(
            recipient=recipient.strip(), parts={"subject": subject, "body": body, "html": html}
        )

    def send(self, message: Message, settings: ChannelSettings) -> str:
        if not _ADDRESS.fullmatch(message.recipient):
            raise PermanentFailure(f"{message.recipient!r} is not an e-mail address")
        if not settings.config.get("host"):
            return self._to_sink(message)
        config = self.Config.model_validate(dict(settings.config))
        mail = build_message(message, config)
        try:
            with _connect(config) as smtp:
                if config.username and settings.secret:
                    smtp.login(config.username, settings.secret)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as err:
            code, reason = next(iter(err.recipients.values()))
            text = f"the server refused the recipient: {code} {_text(reason)}"
            raise _by_code(code, text) from None
        except smtplib.SMTPResponseException as err:
            text = f"the server answered {err.smtp_code} {_text(err.smtp_error)}"
            raise _by_code(err.smtp_code, text) from None
        except smtplib.SMTPNotSupportedError as err:
            raise PermanentFailure(f"the server does not support that: {err}") from None
        except (smtplib.SMTPException, OSError) as err:
            raise RetryableFailure(f"could not reach {config.host}:{config.port}: {err}") from None
        return f"accepted by {config.host}:{config.port}"

    def _to_sink(self, message: Message) -> str:
        if self.sink_file is None:
            raise PermanentFailure(
                "SMTP is not configured: a tenant admin sets the e-mail server in the channels"
            )
        mail = build_message(message, None)
        self.sink_file.parent.mkdir(parents=True, exist_ok=True)
        self.sink_file.write_bytes(bytes(mail))
        return f"written to the mail sink {self.sink_file}"


def build_message(message: Message, config: EmailChannel.Config | None) -> EmailMessage:
    """A UTF-8 message (non-ASCII subjects and names are encoded as RFC 2047 words)."""
    mail = EmailMessage()
    if config is not None:
        local, _, domain = config.from_address.partition("@")
        mail["From"] = Address(display_name=config.from_name or "", username=local, domain=domain)
        domain_for_id = domain
    else:
        mail["From"] = "Formwork <noreply@formwork.invalid>"
        domain_for_id = "formwork.invalid"
    mail["To"] = message.recipient
    mail["Subject"] = str(message.parts.get("subject", ""))
    mail["Message-ID"] = make_msgid(domain=domain_for_id)
    body = str(message.parts.get("body", ""))
    if message.parts.get("html"):
        mail.set_content(body, subtype="html", charset="utf-8")
    else:
        mail.set_content(body, charset="utf-8")
    return mail


def _connect(config: EmailChannel.Config) -> smtplib.SMTP:
    if config.security == "ssl":
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    if config.security == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def _text(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _by_code(code: int, text: str) -> RetryableFailure | PermanentFailure:
    if 400 <= code < 500:
        return RetryableFailure(text, status_code=code)
    return PermanentFailure(text, status_code=code)


__all__ = ["EmailChannel", "build_message"]
