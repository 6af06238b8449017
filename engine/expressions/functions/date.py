"""Dates: TODAY, NOW, DATE, YEAR, MONTH, DAY, WEEKDAY, DATEDIFF, DATEADD, EOMONTH.

Arguments may be ``date`` or ``datetime`` values or ISO texts
(``'2024-03-15'``). A date-time is first moved into the context's time zone,
so "which day" is the user's day, not UTC's. A blank date gives a blank
result.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any

from engine.expressions.context import EvalContext
from engine.expressions.errors import ExpressionError
from engine.expressions.values import as_int, type_name
from engine.i18n import Message

from .spec import EXAMPLE_CONTEXT, FunctionSet

functions = FunctionSet("date")

UNITS = ("day", "week", "month", "year", "hour", "minute", "second")
_SECONDS = {"hour": 3600, "minute": 60, "second": 1}


def _parse(value: str, fn: str) -> date:
    try:
        if len(value) <= 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        raise ExpressionError(
            Message("formula.fn_not_date", fn=fn, value=repr(value[:40]))
        ) from None


def to_date(ctx: EvalContext, value: Any, fn: str) -> date | None:
    if isinstance(value, str):
        value = _parse(value, fn)
    if isinstance(value, datetime):
        return ctx.local(value).date()
    if value is None or isinstance(value, date):
        return value
    raise ExpressionError(Message("formula.fn_date", fn=fn, got=type_name(value)))


def to_datetime(ctx: EvalContext, value: Any, fn: str) -> datetime | None:
    if isinstance(value, str):
        value = _parse(value, fn)
    if isinstance(value, datetime):
        return ctx.local(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ctx.tz)
    if value is None:
        return None
    raise ExpressionError(Message("formula.fn_date", fn=fn, got=type_name(value)))


def _unit(value: Any, fn: str) -> str:
    if value not in UNITS:
        raise ExpressionError(
            Message("formula.fn_unit", fn=fn, units=", ".join(UNITS), got=repr(value))
        )
    return str(value)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise ExpressionError(Message("formula.date_range"))
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def _months_between(start: date, end: date) -> int:
    if end < start:
        return -_months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


@functions.function(
    "TODAY",
    args=(0, 0),
    signature="TODAY()",
    doc="Today's date in the context's time zone.",
    example="TODAY()",
    result=date(2024, 3, 15),
    kind="context",
    pure=False,
)
def today(ctx: EvalContext) -> date:
    return ctx.today()


@functions.function(
    "NOW",
    args=(0, 0),
    signature="NOW()",
    doc="The current date and time, in the context's time zone.",
    example="NOW()",
    result=datetime(2024, 3, 15, 10, 30, tzinfo=EXAMPLE_CONTEXT.tz),
    kind="context",
    pure=False,
)
def now(ctx: EvalContext) -> datetime:
    return ctx.current_time()


@functions.function(
    "DATE",
    args=(3, 3),
    signature="DATE(year, month, day)",
    doc="The date of that year, month and day; an error when there is no such day.",
    example="DATE(2024, 2, 29)",
    result=date(2024, 2, 29),
)
def date_(year: Any, month: Any, day: Any) -> date | None:
    if year is None or month is None or day is None:
        return None
    try:
        return date(as_int(year, "year"), as_int(month, "month"), as_int(day, "day"))
    except (ValueError, OverflowError):
        raise ExpressionError(Message("formula.no_day", year=year, month=month, day=day)) from None


@functions.function(
    "YEAR",
    args=(1, 1),
    signature="YEAR(date)",
    doc="The year of a date.",
    example="YEAR('2024-03-15')",
    result=2024,
    kind="context",
)
def year(ctx: EvalContext, value: Any) -> int | None:
    day = to_date(ctx, value, "YEAR")
    return None if day is None else day.year


@functions.function(
    "MONTH",
    args=(1, 1),
    signature="MONTH(date)",
    doc="The month of a date, 1–12.",
    example="MONTH(close_date)",
    example_values={"close_date": date(2024, 3, 15)},
    result=3,
    kind="context",
)
def month(ctx: EvalContext, value: Any) -> int | None:
    day = to_date(ctx, value, "MONTH")
    return None if day is None else day.month


@functions.function(
    "DAY",
    args=(1, 1),
    signature="DAY(date)",
    doc="The day of the month, 1–31.",
    example="DAY('2024-03-15')",
    result=15,
    kind="context",
)
def day_(ctx: EvalContext, value: Any) -> int | None:
    day = to_date(ctx, value, "DAY")
    return None if day is None else day.day


@functions.function(
    "WEEKDAY",
    args=(1, 1),
    signature="WEEKDAY(date)",
    doc="The day of the week, Monday = 1 … Sunday = 7 (ISO 8601, not Excel's Sunday = 1).",
    example="WEEKDAY('2024-03-15')",
    result=5,
    kind="context",
)
def weekday(ctx: EvalContext, value: Any) -> int | None:
    day = to_date(ctx, value, "WEEKDAY")
    return None if day is None else day.isoweekday()


@functions.function(
    "DATEDIFF",
    args=(2, 3),
    signature="DATEDIFF(start, end, [unit])",
    doc="Whole `unit`s from `start` to `end` (negative when `end` is earlier): "
    "`day` (default), `week`, `month`, `year` count calendar days/complete months; "
    "`hour`, `minute`, `second` count elapsed time.",
    example="DATEDIFF('2024-01-31', '2024-03-15', 'month')",
    result=1,
    kind="context",
    choices={2: UNITS},
)
def datediff(ctx: EvalContext, start: Any, end: Any, unit: Any = "day") -> int | None:
    unit = _unit(unit, "DATEDIFF")
    if unit in _SECONDS:
        start_dt = to_datetime(ctx, start, "DATEDIFF")
        end_dt = to_datetime(ctx, end, "DATEDIFF")
        if start_dt is None or end_dt is None:
            return None
        return int((end_dt - start_dt).total_seconds() / _SECONDS[unit])
    first = to_date(ctx, start, "DATEDIFF")
    last = to_date(ctx, end, "DATEDIFF")
    if first is None or last is None:
        return None
    if unit == "day":
        return (last - first).days
    if unit == "week":
        return int((last - first).days / 7)
    months = _months_between(first, last)
    return months if unit == "month" else int(months / 12)


@functions.function(
    "DATEADD",
    args=(2, 3),
    signature="DATEADD(date, count, [unit])",
    doc="The date `count` `unit`s later (earlier when negative); unit `day` (default), "
    "`week`, `month`, `year` (month ends are kept: Jan 31 + 1 month = Feb 29), "
    "`hour`, `minute`, `second` (the result is then a date-time).",
    example="DATEADD('2024-01-31', 1, 'month')",
    result=date(2024, 2, 29),
    kind="context",
    choices={2: UNITS},
)
def dateadd(ctx: EvalContext, value: Any, count: Any, unit: Any = "day") -> date | None:
    unit = _unit(unit, "DATEADD")
    if value is None or count is None:
        return None
    n = as_int(count, "DATEADD's count")
    try:
        if unit in _SECONDS:
            moment = to_datetime(ctx, value, "DATEADD")
            assert moment is not None
            return moment + timedelta(seconds=n * _SECONDS[unit])
        start: date | None = (
            ctx.local(value) if isinstance(value, datetime) else to_date(ctx, value, "DATEADD")
        )
        assert start is not None
        if unit == "day":
            return start + timedelta(days=n)
        if unit == "week":
            return start + timedelta(weeks=n)
        return _add_months(start, n if unit == "month" else n * 12)
    except (OverflowError, ValueError):
        raise ExpressionError(Message("formula.dateadd_range")) from None


@functions.function(
    "EOMONTH",
    args=(1, 2),
    signature="EOMONTH(date, [months])",
    doc="The last day of the month `months` (default 0) months after `date`.",
    example="EOMONTH('2024-01-15', 1)",
    result=date(2024, 2, 29),
    kind="context",
)
def eomonth(ctx: EvalContext, value: Any, months: Any = 0) -> date | None:
    day = to_date(ctx, value, "EOMONTH")
    if day is None or months is None:
        return None
    first = _add_months(day.replace(day=1), as_int(months, "EOMONTH's months"))
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
