"""The channels by key, and their catalogue for the admin UI.

``register_channels()`` fills ``CHANNELS`` once (the platform's start-up,
through ``engine.messaging.register``); calling it again does nothing.
A new channel is one module with one ``Channel`` class, added to
``BUILTIN_CHANNELS``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engine.messaging.channels.base import Channel
from engine.messaging.channels.dingtalk import DingTalkChannel
from engine.messaging.channels.email import EmailChannel
from engine.messaging.channels.sms import SmsChannel
from engine.messaging.channels.webhook import WebhookChannel
from engine.messaging.channels.wecom import WeComChannel
from engine.registry import Registry

CHANNELS: Registry[type[Channel]] = Registry("channel")

#: Every way a message leaves the machine, in the catalogue's order.
BUILTIN_CHANNELS: tuple[type[Channel], ...] = (
    EmailChannel,
    SmsChannel,
    WebhookChannel,
    DingTalkChannel,
    WeComChannel,
)


def register_channels() -> None:
    for channel in BUILTIN_CHANNELS:
        if channel.key not in CHANNELS:
            CHANNELS.register(channel.key, channel)


def config_model(channel: type[Channel]) -> type[BaseModel] | None:
    """The channel's settings model (its nested ``Config``), if it has one."""
    model = getattr(channel, "Config", None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return None


def label_in(label: Any, lang: str) -> str:
    if isinstance(label, dict) or hasattr(label, "get"):
        return str(label.get(lang) or label.get("en") or next(iter(label.values()), ""))
    return str(label)


def catalogue(lang: str = "en") -> list[dict[str, Any]]:
    """Each channel's key, label in ``lang`` and the JSON Schema of its settings."""
    register_channels()
    entries = []
    for key, channel in CHANNELS.items():
        model = config_model(channel)
        entries.append(
            {
                "key": key,
                "label": label_in(channel.label, lang),
                "config_schema": model.model_json_schema() if model is not None else None,
            }
        )
    return entries


__all__ = [
    "BUILTIN_CHANNELS",
    "CHANNELS",
    "catalogue",
    "config_model",
    "label_in",
    "register_channels",
]
