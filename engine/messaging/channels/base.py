"""The contract of a channel: one registered class per way a message leaves the machine.

A delivery (``engine.messaging.deliveries``) names its channel by key
(``email``, ``sms``, ``webhook``, ``dingtalk``, ``wecom``). The job
``messaging.deliver`` renders the delivery's templates (``render``), then
asks the channel to ``send`` the result. A channel:

* ``key``/``label`` — its name and its label in each language (the catalogue);
* ``render(content, renderer)`` — the message to send, from the delivery's
  ``content`` (templates and the values they read), through the sandboxed
  ``renderer``; a template that fails raises ``TemplateFailed``, which fails
  the delivery at once (retrying cannot fix it);
* ``send(message, settings)`` — send it; raise ``RetryableFailure`` for what
  may pass later (a timeout, a 5xx, a 429, a refused connection) and
  ``PermanentFailure`` for what will not (a 4xx, a refused address, no
  settings). The answer is a short text kept in the attempt log.

Sending happens in a job, outside any database transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


class DeliveryFailure(Exception):
    """A send that did not succeed; ``status_code`` when an HTTP answer said so."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class RetryableFailure(DeliveryFailure):
    """It may pass later: the delivery is retried with backoff."""


class PermanentFailure(DeliveryFailure):
    """It will not pass by retrying: the delivery fails now."""


class TemplateFailed(PermanentFailure):
    """A template of the delivery could not be rendered (sandbox, time or size limit)."""


class Renderer(Protocol):
    """Renders one user template over values, in the sandbox, within limits."""

    def __call__(self, template: str, values: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True)
class ChannelSettings:
    """A tenant's settings of one channel: ``config`` (shown to admins) and
    ``secret`` (a password or signing key, never shown); plus the hosts the
    tenant's admin allowlisted for outbound HTTP to private addresses."""

    config: Mapping[str, Any] = field(default_factory=dict)
    secret: str | None = None
    allowed_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Message:
    """A rendered message, ready to send: what the admin sees in ``rendered``."""

    recipient: str
    parts: Mapping[str, Any]


class Channel(ABC):
    key: ClassVar[str]
    label: ClassVar[Mapping[str, str]]

    @abstractmethod
    def render(self, recipient: str, content: Mapping[str, Any], renderer: Renderer) -> Message:
        """The message for ``recipient`` from the delivery's content."""

    @abstractmethod
    def send(self, message: Message, settings: ChannelSettings) -> str:
        """Send it; the answer is kept in the attempt log."""


__all__ = [
    "Channel",
    "ChannelSettings",
    "DeliveryFailure",
    "Message",
    "PermanentFailure",
    "Renderer",
    "RetryableFailure",
    "TemplateFailed",
]
