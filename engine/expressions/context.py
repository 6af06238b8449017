"""What an evaluation may know besides the record: who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from engine.tenancy import DEFAULT_TIMEZONE

#: The zone of a tenant that never chose one: ``engine.tenancy`` decides it,
#: the expression engine only names it. Callers that evaluate for a tenant pass
#: ``engine.tenancy.tenant_timezone(conn)`` (or ``WriteContext.zone()``).
TENANT_TZ = ZoneInfo(DEFAULT_TIMEZONE)


@dataclass(frozen=True, slots=True)
class EvalContext:
    """The caller's situation, passed explicitly (never a thread-local).

    ``now`` pins the clock (tests, recomputation of a past write); when it is
    ``None`` the wall clock is read at evaluation time. A naive ``now`` is
    taken to be in ``tz``. ``tz`` is the tenant's or user's time zone: it
    decides what ``TODAY()`` is and which calendar day a timestamp falls on.
    """

    user_id: int | str | None = None
    now: datetime | None = None
    tz: tzinfo = UTC

    def current_time(self) -> datetime:
        """``now`` as an aware datetime in ``tz``."""
        if self.now is None:
            return datetime.now(self.tz)
        if self.now.tzinfo is None:
            return self.now.replace(tzinfo=self.tz)
        return self.now.astimezone(self.tz)

    def today(self) -> date:
        """The calendar day of ``current_time()`` in ``tz``."""
        return self.current_time().date()

    def local(self, value: datetime) -> datetime:
        """``value`` as an aware datetime in ``tz`` (a naive value is taken to be in ``tz``)."""
        if value.tzinfo is None:
            return value.replace(tzinfo=self.tz)
        return value.astimezone(self.tz)


DEFAULT_CONTEXT = EvalContext()
