"""Errors of record actions; the API maps them like the records service's own.

``ActionUnavailable`` is a ``Conflict`` (409): the record's state does not
allow the action now (someone claimed the lead first, it is converted
already, the user owns as many open leads as the pool allows). Permission
problems are ``engine.forms.permissions.AccessDenied`` (403) and bad input
``engine.forms.errors.RecordInvalid`` (422), as everywhere else.
"""

from __future__ import annotations

from engine.errors import DomainError
from engine.forms import Conflict, Label
from engine.i18n import Message


class UnknownAction(DomainError, LookupError):
    """The entity has no action of that key (404)."""

    status = 404
    title = "Not found"

    def __init__(self, entity: str, key: str, noun: Label | None = None) -> None:
        # ``noun``: the entity's label in a sentence ("线索没有操作 'fly'"), its key without one.
        super().__init__(Message("action.unknown", entity=noun or entity, action=repr(key)))
        self.entity = entity
        self.key = key


class ActionUnavailable(Conflict):
    """The record's current state does not allow the action (409)."""


__all__ = ["ActionUnavailable", "UnknownAction"]
