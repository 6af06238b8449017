"""What a read or a write of records carries along: passed explicitly, never global."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from engine.expressions import EvalContext
from engine.forms.events import Cause, RecordEvent
from engine.forms.hooks import MAX_CAUSE_DEPTH, NO_HOOKS, CauseChainTooDeep, Hooks
from engine.tenancy import tenant_timezone

if TYPE_CHECKING:
    from engine.forms.field_types.base import BoundField
    from engine.forms.runtime import AppRuntime


class EventHeader(TypedDict):
    """What every record event of one write says about it (``RecordEvent``'s first fields)."""

    app: str
    entity: str
    user_id: int | None
    at: datetime
    cause: tuple[Cause, ...]
    via: str | None


@dataclass
class ReadContext:
    conn: Connection
    app: AppRuntime
    #: The entity being read or written.
    entity_key: str
    #: Titles of referenced keys learnt while checking references, per field
    #: (``References.resolve``), so answering a write needs no second lookup.
    titles: dict[BoundField, dict[Any, Any]] = field(default_factory=dict, kw_only=True)


@dataclass
class WriteContext(ReadContext):
    user_id: int | None
    now: datetime
    #: The tenant's time zone (what "today" is); None until ``zone()`` first reads
    #: it from the tenant's settings, so writes that need no clock cost no query.
    tz: ZoneInfo | None = None
    #: Values of expression defaults (``=CURRENT_USER()``): they read no field,
    #: only this context, so one evaluation serves every record of a batch.
    defaults: dict[BoundField, Any] = field(default_factory=dict, kw_only=True)
    #: The process's write guards and event subscribers (``engine.forms.hooks``),
    #: built once at start-up; none unless the caller passes them.
    hooks: Hooks = field(default=NO_HOOKS, kw_only=True)
    #: The writes whose subscribers led to this one, oldest first (``caused_by``).
    cause: tuple[Cause, ...] = field(default=(), kw_only=True)
    #: What writes besides the user, for the history (``rule:<key>``,
    #: ``action:<key>``, ``import``, ``bulk:update``, ``pool:auto_return``,
    #: ``formula:backfill``); None for a person's own edit. Writes caused by
    #: this one keep it unless their cause names its own (a rule's effects).
    via: str | None = field(default=None, kw_only=True)

    def zone(self) -> ZoneInfo:
        """The tenant's time zone (``engine.tenancy.tenant_timezone``), read once."""
        if self.tz is None:
            self.tz = tenant_timezone(self.conn)
        return self.tz

    def event_header(self, entity_key: str | None = None) -> EventHeader:
        """The app, entity, user, time and cause an event of this write carries:
        ``RecordUpdated(**ctx.event_header(), record_id=…)``."""
        return EventHeader(
            app=self.app.key,
            entity=entity_key or self.entity_key,
            user_id=self.user_id,
            at=self.now,
            cause=self.cause,
            via=self.via,
        )

    def eval_context(self) -> EvalContext:
        return EvalContext(user_id=self.user_id, now=self.now, tz=self.zone())

    def caused_by(
        self, event: RecordEvent, entity_key: str | None = None, *, via: str | None = None
    ) -> WriteContext:
        """The context of a write a subscriber makes because of ``event``.

        Same connection, user, clock and hooks, one more link in the cause
        chain; ``CauseChainTooDeep`` beyond ``MAX_CAUSE_DEPTH`` links, before
        anything of that write happens, so an automation cannot loop for ever.
        ``via`` names the subscriber's part (``rule:<key>``); without it the
        write keeps this one's.
        """
        chain = (*self.cause, event.as_cause())
        if len(chain) > MAX_CAUSE_DEPTH:
            raise CauseChainTooDeep(chain)
        return replace(
            self,
            entity_key=entity_key or self.entity_key,
            cause=chain,
            via=via if via is not None else self.via,
            titles={},
            defaults={},
        )
