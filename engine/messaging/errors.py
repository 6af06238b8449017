"""Errors a caller can cause through the messaging API."""

from __future__ import annotations

from typing import Any

from engine.errors import DomainError
from engine.i18n import Message


class NotificationNotFound(DomainError, LookupError):
    """No notification of that id is the caller's (someone else's counts as none)."""

    status = 404
    title = "Not found"

    def __init__(self, notification_id: int) -> None:
        super().__init__(Message("request.no_notification", id=notification_id))


class DeliveryNotFound(DomainError, LookupError):
    status = 404
    title = "Not found"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(Message("request.no_delivery", id=delivery_id))


class DeliveryNotRetryable(DomainError):
    """Only a failed delivery is retried by hand; a queued or retrying one will run anyway."""

    status = 409
    title = "Conflict"

    def __init__(self, delivery_id: int, current: str) -> None:
        super().__init__(Message("request.delivery_not_retryable", id=delivery_id, status=current))


class UnknownChannel(DomainError, LookupError):
    status = 404
    title = "Not found"

    def __init__(self, key: str, known: list[str]) -> None:
        super().__init__(f"there is no channel {key!r}; known: {', '.join(sorted(known))}")


class ChannelSettingsInvalid(DomainError, ValueError):
    """Settings that the channel's ``Config`` model refuses (422, each field named)."""

    status = 422
    title = "Invalid input"

    def __init__(self, channel: str, errors: list[dict[str, Any]]) -> None:
        fields = ", ".join(error["field"] for error in errors)
        super().__init__(f"the settings of channel {channel!r} are invalid: {fields}")
        self.errors = errors

    def problem_errors(self) -> list[dict[str, Any]] | None:
        return self.errors


__all__ = [
    "ChannelSettingsInvalid",
    "DeliveryNotFound",
    "DeliveryNotRetryable",
    "NotificationNotFound",
    "UnknownChannel",
]
