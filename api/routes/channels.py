"""Channel settings, for administrators: the catalogue with each channel's settings.

Secrets (the SMTP password, signing keys) are write-only: ``PUT`` takes
one, no answer contains it (``has_secret`` says whether one is set).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminPrincipal, PlatformDep
from engine.messaging import settings as channel_settings
from engine.messaging.channels.registry import catalogue, label_in

router = APIRouter(prefix="/api/channels", tags=["channels"])

ChannelKey = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]


class ChannelSettingsBody(BaseModel):
    """``secret`` omitted: unchanged; ``null``: cleared; a string: replaced."""

    model_config = ConfigDict(extra="forbid")
    config: dict[str, Any] = Field(default_factory=dict)
    secret: str | None = Field(default=None, max_length=4_000)


@router.get("")
def list_channels(
    principal: AdminPrincipal,
    platform: PlatformDep,
    lang: Annotated[str, Query(max_length=10)] = "en",
) -> list[dict[str, Any]]:
    """Each channel (and ``network``): key, label, config schema and settings (no secrets)."""
    entries = [
        *catalogue(lang),
        {
            "key": channel_settings.NETWORK,
            "label": label_in(channel_settings.NETWORK_LABEL, lang),
            "config_schema": channel_settings.NetworkConfig.model_json_schema(),
        },
    ]
    with platform.store.read(principal.tenant) as conn:
        for entry in entries:
            entry["settings"] = channel_settings.settings_json(conn, entry["key"])
    return entries


@router.put("/{key}")
def put_channel(
    key: ChannelKey, body: ChannelSettingsBody, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """Replace a channel's settings (422 naming the field the channel refuses)."""
    secret: channel_settings.Secret = (
        body.secret if "secret" in body.model_fields_set else channel_settings.UNCHANGED
    )
    with platform.store.write(principal.tenant) as conn:
        return channel_settings.put_settings(conn, key, body.config, secret, now=datetime.now(UTC))
