"""The date trigger: a rule that fires at a time computed from each record.

"3 days after the last follow-up, or after assignment if there was none":
``{"on": "date", "expression": "IFNULL(last_followed_up_at, assigned_at)",
"offset": "3d"}``. The anchor is a date or datetime field (or
``created_at``/``updated_at``) or an expression over the record; ``offset``
moves it (``-3d``, ``2h``, ``15m``, ``1w``: days and weeks are calendar days
in the tenant's time zone), ``at`` sets the time of day there (``"09:00"``:
a date anchor otherwise means its midnight), ``repeat`` fires again every
``every`` up to ``times`` times.

This class owns the settings and the arithmetic (``first_due``,
``due_after``); ``engine.rules.timers`` keeps one timer per (rule, record)
and the minute tick (``engine.rules.clock``) fires them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from engine.definition import Key
from engine.expressions import EvalContext, Expression, ExpressionError, compile_expression
from engine.forms import EntityRuntime
from engine.rules.base import CheckContext, Issue, Settings, Trigger, record_names

#: ``-3d``, ``2h``, ``15m``, ``1w``.
SPAN_PATTERN = r"^-?\d{1,5}[mhdw]$"
#: A repeat's period: positive.
PERIOD_PATTERN = r"^\d{1,5}[mhdw]$"
AT_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
#: The system columns an anchor may name besides date and datetime fields.
CLOCK_COLUMNS = frozenset({"created_at", "updated_at"})
CLOCK_TYPES = frozenset({"date", "datetime"})

Span = Annotated[str, StringConstraints(pattern=SPAN_PATTERN)]
Period = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]


@dataclass(frozen=True)
class Offset:
    """A signed amount of minutes, hours, days or weeks."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Offset:
        match = re.fullmatch(r"(-?\d+)([mhdw])", text)
        if match is None:
            raise ValueError(f"{text!r} is not an offset such as -3d, 2h, 15m or 1w")
        return cls(int(match.group(1)), match.group(2))

    def times(self, n: int) -> Offset:
        return Offset(self.amount * n, self.unit)

    def apply(self, moment: datetime, zone: tzinfo) -> datetime:
        """``moment`` moved by this offset; days and weeks on the tenant's calendar."""
        if self.unit == "m":
            return moment + timedelta(minutes=self.amount)
        if self.unit == "h":
            return moment + timedelta(hours=self.amount)
        days = self.amount * (7 if self.unit == "w" else 1)
        local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
        return local.replace(tzinfo=zone).astimezone(UTC)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0


class Repeat(Settings):
    #: The period: ``1d``, ``12h``, ``1w``.
    every: Period
    #: How many times it fires in all (the first included); None: for ever.
    times: int | None = Field(default=None, ge=1, le=1000)


class DateConfig(Settings):
    #: A date or datetime field, or ``created_at``/``updated_at``…
    field: Key | None = None
    #: …or an expression over the record giving a date or a datetime.
    expression: str | None = Field(default=None, min_length=1, max_length=4000)
    #: Moves the anchor: ``-3d`` (three days before), ``2h``, ``15m``, ``1w``.
    offset: Span = "0m"
    #: The time of day (tenant's zone) of the moved anchor, ``"09:00"``.
    at: Annotated[str, StringConstraints(pattern=AT_PATTERN)] | None = None
    repeat: Repeat | None = None

    @model_validator(mode="after")
    def _one_anchor(self) -> DateConfig:
        if (self.field is None) == (self.expression is None):
            raise ValueError("give either field or expression")
        return self


class DateTrigger(Trigger):
    key = "date"
    label = {"zh-CN": "到达日期时", "en": "At a date"}
    description = {
        "zh-CN": "相对记录的日期字段或表达式（如最后跟进时间）的某个时刻触发，可偏移（-3d、2h）、"
        "指定几点、重复；锚点变化时重新计时。",
        "en": "At a time relative to a date field or an expression of the record (the last "
        "follow-up…), with an offset (-3d, 2h), a time of day and a repeat; rescheduled "
        "whenever the anchor changes.",
    }
    Config = DateConfig
    clocked = True

    def __init__(self, config: Settings) -> None:
        super().__init__(config)
        assert isinstance(config, DateConfig)
        self.settings = config
        self.offset = Offset.parse(config.offset)
        self.every = None if config.repeat is None else Offset.parse(config.repeat.every)
        self.times = None if config.repeat is None else config.repeat.times
        self.expression: Expression | None = None
        if config.expression is not None:
            try:
                self.expression = compile_expression(config.expression)
            except ExpressionError:
                self.expression = None  # refused at publish; never fires
        self.at = None if config.at is None else time.fromisoformat(config.at)

    def reads(self) -> frozenset[str]:
        """The fields the anchor reads: a change of one of them moves the timer."""
        if self.settings.field is not None:
            return frozenset({self.settings.field})
        return self.expression.names if self.expression is not None else frozenset()

    def anchor(self, values: Mapping[str, Any], ctx: EvalContext) -> Any:
        if self.settings.field is not None:
            return values.get(self.settings.field)
        if self.expression is None:
            return None
        try:
            return self.expression.evaluate(values, ctx)
        except ExpressionError:
            return None  # a record the expression cannot read gets no timer

    def first_due(self, values: Mapping[str, Any], ctx: EvalContext) -> datetime | None:
        """When the rule first fires for this record (UTC); None when the anchor is blank."""
        zone = ctx.tz
        value = self.anchor(values, ctx)
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        elif isinstance(value, date):
            moment = datetime.combine(value, time(0), tzinfo=zone)
        else:
            return None
        moment = self.offset.apply(moment.astimezone(UTC), zone)
        if self.at is not None:
            local = moment.astimezone(zone)
            moment = datetime.combine(local.date(), self.at, tzinfo=zone)
        return moment.astimezone(UTC)

    def due_after(self, first: datetime, occurrence: int, zone: tzinfo) -> datetime:
        """The ``occurrence``-th time (0: the first) of a timer first due at ``first``."""
        if occurrence == 0 or self.every is None:
            return first
        return self.every.times(occurrence).apply(first, zone)

    def occurrences_left(self, occurrence: int) -> bool:
        """Whether a repeat has an ``occurrence``-th time (0-based)."""
        if self.every is None:
            return occurrence == 0
        return self.times is None or occurrence < self.times

    def check(self, cc: CheckContext) -> Iterator[Issue]:
        settings = self.settings
        if settings.field is not None:
            yield from _check_field(cc.entity, settings.field, f"{cc.path}.trigger.field")
        elif settings.expression is not None:
            try:
                compile_expression(settings.expression, names=record_names(cc.entity))
            except ExpressionError as err:
                yield f"{cc.path}.trigger.expression", err.message
        if self.every is not None and self.every.is_zero:
            yield f"{cc.path}.trigger.repeat.every", "the period must be longer than zero"


def _check_field(entity: EntityRuntime, key: str, path: str) -> Iterator[Issue]:
    if key in CLOCK_COLUMNS:
        return
    bound = entity.fields.get(key)
    if bound is None:
        yield path, f"unknown field {key!r} of {entity.key}"
    elif bound.defn.type not in CLOCK_TYPES:
        yield path, f"{entity.key}.{key} ({bound.defn.type}) is not a date or a datetime"


__all__ = ["DateConfig", "DateTrigger", "Offset", "Repeat"]
