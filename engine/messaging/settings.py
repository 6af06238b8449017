"""A tenant's channel settings: ``config`` for admins' eyes, ``secret`` for no one's.

One row per channel in ``channel_settings``. The pseudo-channel
``network`` holds ``{"allowed_hosts": [...]}``: the hosts the tenant's
admin allowlisted for outbound HTTP to private addresses; every channel's
``ChannelSettings`` carries them. ``settings_json`` is the admin's view
(config and ``has_secret``); the secret itself never leaves this module
except in ``get_settings``, which only the sending job calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, insert, select, update

from engine.messaging.channels.base import ChannelSettings
from engine.messaging.channels.registry import CHANNELS, config_model, register_channels
from engine.messaging.errors import ChannelSettingsInvalid, UnknownChannel
from engine.store.tables import channel_settings

NETWORK = "network"
NETWORK_LABEL: Final = {"zh-CN": "网络（允许的内网主机）", "en": "Network (allowed private hosts)"}


class NetworkConfig(BaseModel):
    """Hosts that outbound HTTP may reach even though they resolve to private addresses."""

    model_config = ConfigDict(extra="forbid")
    allowed_hosts: list[str] = Field(default_factory=list, max_length=100)


class _Unchanged(Enum):
    UNCHANGED = "unchanged"


#: ``put_settings(secret=UNCHANGED)`` keeps the stored secret.
UNCHANGED: Final = _Unchanged.UNCHANGED
Secret = str | None | Literal[_Unchanged.UNCHANGED]


def _known(channel: str) -> None:
    register_channels()
    if channel != NETWORK and channel not in CHANNELS:
        raise UnknownChannel(channel, [*CHANNELS, NETWORK])


def _row(conn: Connection, channel: str) -> Any:
    return conn.execute(
        select(channel_settings).where(channel_settings.c.channel == channel)
    ).first()


def allowed_hosts(conn: Connection) -> frozenset[str]:
    row = _row(conn, NETWORK)
    hosts = (row.config or {}).get("allowed_hosts", []) if row is not None else []
    return frozenset(str(host).lower() for host in hosts)


def get_settings(conn: Connection, channel: str) -> ChannelSettings:
    """The channel's settings with its secret and the tenant's allowed hosts (for sending)."""
    row = _row(conn, channel)
    return ChannelSettings(
        config=dict(row.config) if row is not None else {},
        secret=row.secret if row is not None else None,
        allowed_hosts=allowed_hosts(conn),
    )


def settings_json(conn: Connection, channel: str) -> dict[str, Any]:
    """The admin's view of a channel's settings: config and whether a secret is set."""
    _known(channel)
    row = _row(conn, channel)
    return {
        "config": dict(row.config) if row is not None else {},
        "has_secret": row is not None and bool(row.secret),
        "updated_at": row.updated_at.isoformat() if row is not None else None,
    }


def _validated(channel: str, config: Mapping[str, Any]) -> dict[str, Any]:
    model = NetworkConfig if channel == NETWORK else config_model(CHANNELS.get(channel))
    if model is None:
        return dict(config)
    try:
        return model.model_validate(dict(config)).model_dump(mode="json")
    except ValidationError as err:
        errors = [
            {
                "field": ".".join(["config", *(str(part) for part in error["loc"])]),
                "message": error["msg"],
            }
            for error in err.errors()
        ]
        raise ChannelSettingsInvalid(channel, errors) from None


def put_settings(
    conn: Connection,
    channel: str,
    config: Mapping[str, Any],
    secret: Secret = UNCHANGED,
    *,
    now: datetime,
) -> dict[str, Any]:
    """Replace a channel's config (checked by its ``Config`` model; 422 naming the
    field); ``secret``: a new one, ``None`` to clear it, ``UNCHANGED`` to keep it.
    The admin's view of the result."""
    _known(channel)
    values: dict[str, Any] = {"config": _validated(channel, config), "updated_at": now}
    if secret is not UNCHANGED:
        values["secret"] = secret or None
    if _row(conn, channel) is None:
        conn.execute(
            insert(channel_settings).values({"channel": channel, "secret": None, **values})
        )
    else:
        conn.execute(
            update(channel_settings).where(channel_settings.c.channel == channel).values(**values)
        )
    return settings_json(conn, channel)


__all__ = [
    "NETWORK",
    "NETWORK_LABEL",
    "UNCHANGED",
    "NetworkConfig",
    "allowed_hosts",
    "get_settings",
    "put_settings",
    "settings_json",
]
