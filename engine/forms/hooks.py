"""Hooks carried on every write context, built once at start-up.

Three kinds, each registered by the engine that owns it in the start-up list
(``engine.startup.register_hooks``), never at import time:

- **write guards** see a write before it happens and may refuse it by
  raising ``WriteRefused`` (or a subclass): an approval flow locks a record
  under approval this way;
- **subscribers** get the record events (``engine.forms.events``) after
  their audit rows, in the write's transaction; anything that leaves the
  database only enqueues a job (``engine.jobs.enqueue``), so it commits or
  rolls back with the write. A subscriber that writes does so through
  ``ctx.caused_by(event)``, which carries the cause chain and stops it at
  ``MAX_CAUSE_DEPTH`` (``CauseChainTooDeep``);
- **read-scope contributors** add records a user reads beyond their roles'
  read scope (the pools they see), as ``load_entity_access(read_also=…)``
  takes them: ``Hooks.read_also``;
- **field-mask contributors** blank fields of some records for some readers
  (a pool hides a lead's phone until someone claims it), as
  ``load_entity_access(field_masks=…)`` takes them: ``Hooks.field_masks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, Connection, or_

from engine.forms.errors import Conflict
from engine.forms.events import Cause, RecordEvent, chain_text

if TYPE_CHECKING:
    from engine.accounts.users import User
    from engine.forms.context import WriteContext
    from engine.forms.runtime import AppRuntime

#: Writes caused by writes (a subscriber that writes) stop at this depth.
MAX_CAUSE_DEPTH = 8

WriteKind = Literal["create", "update", "delete", "restore", "purge"]


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """A write a guard is asked about, before anything of it is written.

    ``values``: per record, the values about to be stored (a create: every
    field; an update: the changed fields; otherwise empty). ``current``: the
    stored row of an existing record (None for a create).
    """

    kind: WriteKind
    app: str
    entity: str
    record_id: int | None
    values: Sequence[Mapping[str, Any]] = ()
    current: Mapping[str, Any] | None = None


class WriteRefused(Conflict):
    """A write guard refused the write (409); nothing of it was written."""


class CauseChainTooDeep(Conflict):
    """Writes caused by writes went deeper than ``MAX_CAUSE_DEPTH`` (409).

    ``chain`` names every write of the chain, oldest first; the caller's
    transaction rolls back, so nothing of the chain is written.
    """

    def __init__(self, chain: Sequence[Cause]) -> None:
        super().__init__(
            f"writes caused by writes went deeper than {MAX_CAUSE_DEPTH}: {chain_text(chain)}"
        )
        self.chain = tuple(chain)

    def problem_members(self) -> dict[str, Any]:
        """The chain in the problem+json too, one write per item."""
        return {"chain": [str(cause) for cause in self.chain]}


WriteGuard = Callable[["WriteContext", PendingWrite], None]
#: Its answer is ignored; raising rolls the write back.
Subscriber = Callable[["WriteContext", Any], object]
#: A subscriber that takes the events of one type of a write at once
#: (``emit_many``: one call for 10,000 updates instead of 10,000 calls).
BatchSubscriber = Callable[["WriteContext", Sequence[Any]], object]
#: Records a user reads beyond their roles' read scope: (the tenant's connection,
#: app, entity key, user, roles) → a condition, or None when there are none. The
#: connection is for what the condition depends on (the tenant's time zone).
ReadScope = Callable[
    [Connection, "AppRuntime", str, "User", frozenset[str]], "ColumnElement[bool] | None"
]
#: Fields masked for a reader on some records: (the tenant's connection, app,
#: entity key, user, roles) → ``{field key: condition on the entity's table, true
#: where the value is masked}``.
FieldMask = Callable[
    [Connection, "AppRuntime", str, "User", frozenset[str]], "Mapping[str, ColumnElement[bool]]"
]


@dataclass(eq=False)
class Hooks:
    """The guards, subscribers and read-scope contributors of one process."""

    guards: list[WriteGuard] = field(default_factory=list)
    read_scopes: list[ReadScope] = field(default_factory=list)
    field_mask_contributors: list[FieldMask] = field(default_factory=list)
    _subscribers: dict[type[RecordEvent], list[Subscriber]] = field(default_factory=dict)
    _batch_subscribers: dict[type[RecordEvent], list[BatchSubscriber]] = field(default_factory=dict)

    def guard(self, guard: WriteGuard) -> None:
        self.guards.append(guard)

    def subscribe(
        self, events: type[RecordEvent] | Sequence[type[RecordEvent]], subscriber: Subscriber
    ) -> None:
        """Call ``subscriber(ctx, event)`` for each event of these types (exact types)."""
        for event_type in (events,) if isinstance(events, type) else events:
            self._subscribers.setdefault(event_type, []).append(subscriber)

    def subscribe_batches(
        self, events: type[RecordEvent] | Sequence[type[RecordEvent]], subscriber: BatchSubscriber
    ) -> None:
        """Call ``subscriber(ctx, events)`` with the events of one type of a write
        (one event for ``emit``, all of that type for ``emit_many``)."""
        for event_type in (events,) if isinstance(events, type) else events:
            self._batch_subscribers.setdefault(event_type, []).append(subscriber)

    def batch_subscribers_of(self, event_type: type[RecordEvent]) -> Sequence[BatchSubscriber]:
        return self._batch_subscribers.get(event_type, ())

    def read_scope(self, contributor: ReadScope) -> None:
        self.read_scopes.append(contributor)

    def field_mask(self, contributor: FieldMask) -> None:
        self.field_mask_contributors.append(contributor)

    def field_masks(
        self,
        conn: Connection,
        app: AppRuntime,
        entity_key: str,
        user: User,
        roles: frozenset[str],
    ) -> dict[str, ColumnElement[bool]]:
        """What every contributor masks on the entity, per field (conditions ORed)."""
        found: dict[str, list[ColumnElement[bool]]] = {}
        for contributor in self.field_mask_contributors:
            for key, condition in contributor(conn, app, entity_key, user, roles).items():
                found.setdefault(key, []).append(condition)
        return {
            key: conditions[0] if len(conditions) == 1 else or_(*conditions)
            for key, conditions in found.items()
        }

    def subscribers_of(self, event_type: type[RecordEvent]) -> Sequence[Subscriber]:
        return self._subscribers.get(event_type, ())

    def check(self, ctx: WriteContext, write: PendingWrite) -> None:
        """Ask every guard; the first refusal propagates."""
        for guard in self.guards:
            guard(ctx, write)

    def read_also(
        self,
        conn: Connection,
        app: AppRuntime,
        entity_key: str,
        user: User,
        roles: frozenset[str],
    ) -> ColumnElement[bool] | None:
        """What every contributor adds to the read scope, ORed (None: nothing)."""
        found = [
            condition
            for contributor in self.read_scopes
            if (condition := contributor(conn, app, entity_key, user, roles)) is not None
        ]
        if not found:
            return None
        return found[0] if len(found) == 1 else or_(*found)


#: The hooks of a write context nobody gave any: no guard, no subscriber.
NO_HOOKS = Hooks()

__all__ = [
    "MAX_CAUSE_DEPTH",
    "NO_HOOKS",
    "BatchSubscriber",
    "CauseChainTooDeep",
    "FieldMask",
    "Hooks",
    "PendingWrite",
    "ReadScope",
    "Subscriber",
    "WriteGuard",
    "WriteRefused",
]
