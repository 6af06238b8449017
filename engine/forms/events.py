"""What happened to records: typed, immutable events, and ``emit``.

The innermost write functions (``engine.forms.records``) and the actions
engine emit one event per write, so every writer — the API, bulk writes,
imports, actions, demo data, and later rules and flows — produces them.
``emit`` writes the event's audit rows (``engine.store.audit``) and then
calls the subscribers of the write context's hooks, in the write's
transaction: a subscriber that raises rolls the whole write back.

Events are frozen; their mappings are the values as JSON (the API's shape),
the same the audit log keeps, and must not be changed by subscribers. A bulk
create is ONE ``RecordsCreated`` with every record of the batch.

Each event carries its cause chain: the events whose subscribers led to this
write, oldest first (empty for a write a person or a job asked for).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from engine.store.audit import write_audit_rows

if TYPE_CHECKING:
    from engine.forms.context import WriteContext


@dataclass(frozen=True, slots=True)
class Cause:
    """One link of a cause chain: a write whose subscribers wrote again."""

    action: str
    app: str
    entity: str
    record_ids: tuple[int, ...]

    def __str__(self) -> str:
        ids = ", ".join(f"#{i}" for i in self.record_ids[:3])
        more = f" and {len(self.record_ids) - 3} more" if len(self.record_ids) > 3 else ""
        return f"{self.action} {self.app}.{self.entity} {ids}{more}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordEvent(ABC):
    """What every record event carries. ``action`` is its name in the audit log."""

    action: ClassVar[str]
    app: str
    entity: str
    user_id: int | None
    at: datetime
    cause: tuple[Cause, ...] = ()
    #: What wrote the change besides the user (``WriteContext.via``): kept in
    #: the audit row so the history can say "by rule …", "via import".
    via: str | None = None

    @property
    @abstractmethod
    def record_ids(self) -> tuple[int, ...]:
        """The records the event is about."""

    def as_cause(self) -> Cause:
        return Cause(self.action, self.app, self.entity, self.record_ids)

    @abstractmethod
    def audit_rows(self) -> list[dict[str, Any]]:
        """The audit log rows of this event (``engine.store.audit``)."""

    def _row(
        self, record_id: int, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        return {
            "at": self.at,
            "user_id": self.user_id,
            "action": self.action,
            "app_key": self.app,
            "entity": self.entity,
            "record_id": record_id,
            "before": before,
            "after": after,
            "via": self.via,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordsCreated(RecordEvent):
    """Records were created: one event for a whole batch.

    ``values[i]`` are the field values of ``ids[i]`` as written (child rows
    included, system columns not). ``rows[i]``, when the writer has them, are
    the same record's stored values as Python values, system columns
    included: subscribers that evaluate expressions read them instead of
    reading the records back (not part of the audit row).
    """

    action: ClassVar[str] = "create"
    ids: tuple[int, ...]
    values: tuple[Mapping[str, Any], ...]
    rows: tuple[Mapping[str, Any], ...] = field(default=(), compare=False, repr=False)

    @property
    def record_ids(self) -> tuple[int, ...]:
        return self.ids

    def audit_rows(self) -> list[dict[str, Any]]:
        row = self._row
        return [row(i, None, after) for i, after in zip(self.ids, self.values, strict=True)]


@dataclass(frozen=True, slots=True, kw_only=True)
class OneRecordEvent(RecordEvent):
    """An event about one record; its audit row carries no values unless said."""

    record_id: int

    @property
    def record_ids(self) -> tuple[int, ...]:
        return (self.record_id,)

    def audit_rows(self) -> list[dict[str, Any]]:
        return [self._row(self.record_id, None, None)]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordUpdated(OneRecordEvent):
    """A record changed: ``before`` and ``after`` hold the ``changed`` fields only."""

    action: ClassVar[str] = "update"
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    changed: frozenset[str]
    #: The record's stored values after the update as Python values (system
    #: columns included), when the writer has them; not part of the audit row.
    row: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def audit_rows(self) -> list[dict[str, Any]]:
        return [self._row(self.record_id, dict(self.before), dict(self.after))]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordDeleted(OneRecordEvent):
    """A record moved to the recycle bin."""

    action: ClassVar[str] = "delete"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordRestored(OneRecordEvent):
    """A record came back from the recycle bin."""

    action: ClassVar[str] = "restore"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPurged(OneRecordEvent):
    """A record was deleted for good; ``before`` is the record as it was (API shape)."""

    action: ClassVar[str] = "purge"
    before: Mapping[str, Any]

    def audit_rows(self) -> list[dict[str, Any]]:
        return [self._row(self.record_id, dict(self.before), None)]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRan(OneRecordEvent):
    """A record action ran (or the system ran one, such as a pool's auto-return).

    Why the record changed: the field changes themselves are separate
    ``RecordUpdated`` events of the writes the action made. ``detail`` is
    what the action reports (``ActionResult.to_json()``).
    """

    action: ClassVar[str] = "action"
    action_key: str
    #: The action's type (``claim``, ``set_values``, …); None for a system action.
    action_type: str | None
    detail: Mapping[str, Any]

    def as_cause(self) -> Cause:
        return Cause(f"action {self.action_key}", self.app, self.entity, self.record_ids)

    def audit_rows(self) -> list[dict[str, Any]]:
        after: dict[str, Any] = {"action": self.action_key}
        if self.action_type is not None:
            after["type"] = self.action_type
        after.update(self.detail)
        return [self._row(self.record_id, None, after)]


#: Connection info key: (app, entity, id) of records that writes caused by
#: other writes updated in the current transaction (``changed_by_causes``).
_CAUSED = "formwork.records.caused_updates"


def _caused_updates(ctx: WriteContext) -> set[tuple[str, str, int]]:
    """The set of this transaction (the connection outlives it in the pool)."""
    transaction = ctx.conn.get_transaction()
    held = ctx.conn.info.get(_CAUSED)
    if held is None or held[0] is not transaction:
        held = ctx.conn.info[_CAUSED] = (transaction, set())
    found: set[tuple[str, str, int]] = held[1]
    return found


def _note_caused_update(ctx: WriteContext, event: RecordEvent) -> None:
    if event.cause and isinstance(event, RecordUpdated):
        _caused_updates(ctx).add((event.app, event.entity, event.record_id))


def changed_by_causes(ctx: WriteContext, entity: str, record_id: int) -> bool:
    """Whether a write caused by another (a rule) updated this record in this
    transaction: then what was written first is no longer what is stored."""
    if ctx.conn.info.get(_CAUSED) is None:
        return False
    return (ctx.app.key, entity, record_id) in _caused_updates(ctx)


def emit(ctx: WriteContext, event: RecordEvent) -> None:
    """Write the event's audit rows, then call its subscribers, in ``ctx``'s transaction.

    A subscriber's exception propagates: the caller's unit of work rolls the
    write, its audit rows and whatever the subscribers did (jobs enqueued
    included) back together. With no subscribers this costs the audit rows.
    """
    write_audit_rows(ctx.conn, event.audit_rows())
    _note_caused_update(ctx, event)
    for subscriber in ctx.hooks.subscribers_of(type(event)):
        subscriber(ctx, event)
    for batch_subscriber in ctx.hooks.batch_subscribers_of(type(event)):
        batch_subscriber(ctx, (event,))


def emit_many(ctx: WriteContext, events: Sequence[RecordEvent]) -> None:
    """``emit`` for many events of one write (a rule assigning 10,000 leads):
    every audit row in one statement, then each subscriber per event and each
    batch subscriber once per event type, with all of that type's events."""
    if not events:
        return
    write_audit_rows(ctx.conn, [row for event in events for row in event.audit_rows()])
    by_type: dict[type[RecordEvent], list[RecordEvent]] = {}
    for event in events:
        _note_caused_update(ctx, event)
        by_type.setdefault(type(event), []).append(event)
    for event_type, batch in by_type.items():
        for subscriber in ctx.hooks.subscribers_of(event_type):
            for event in batch:
                subscriber(ctx, event)
        for batch_subscriber in ctx.hooks.batch_subscribers_of(event_type):
            batch_subscriber(ctx, batch)


def chain_text(chain: Sequence[Cause]) -> str:
    """A cause chain as people read it: ``create crm.lead #1 → update crm.lead #1``."""
    return " → ".join(str(cause) for cause in chain)


#: The first link of the cause chain of the writes that load a template's demo
#: data (``builder.demo_data``): they go through the platform's hooks like any
#: write, and this is how a subscriber tells them apart (``loads_demo_data``).
DEMO_DATA = "load demo data"


def loads_demo_data(chain: Sequence[Cause]) -> bool:
    """Whether a write (``ctx.cause``) or an event (``event.cause``) is part of
    loading demo data. The rule engine starts no rule for them — the demo's
    records stay as its generator made them, with no re-assignment and no
    e-mail to a made-up customer — but its date timers still follow them."""
    return bool(chain) and chain[0].action == DEMO_DATA


__all__ = [
    "DEMO_DATA",
    "ActionRan",
    "Cause",
    "OneRecordEvent",
    "RecordDeleted",
    "RecordEvent",
    "RecordPurged",
    "RecordRestored",
    "RecordUpdated",
    "RecordsCreated",
    "chain_text",
    "changed_by_causes",
    "emit",
    "emit_many",
    "loads_demo_data",
]
