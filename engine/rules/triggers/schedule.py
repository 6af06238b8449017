"""The schedule trigger: a rule that runs at the ticks of a cron expression.

``{"on": "schedule", "cron": "0 9 * * 1", "filter": {...}}`` runs the
effects every Monday at 09:00 (the tenant's time zone unless ``timezone``
says otherwise) for each live record the filter selects (records filter
language; none: every record), or with ``once: true`` a single time per
tick without a record (only effects that need none, such as an email to a
role). ``engine.rules.clock`` fires the ticks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pydantic import Field, model_validator

from engine.forms import parse_filter
from engine.jobs.schedules import TENANT_ZONE, check_cron
from engine.rules.base import CheckContext, Issue, Settings, Trigger


class ScheduleConfig(Settings):
    #: Five fields: minute hour day-of-month month day-of-week.
    cron: str = Field(min_length=9, max_length=120)
    #: An IANA zone (``Asia/Shanghai``); unset: the tenant's.
    timezone: str | None = Field(default=None, max_length=64)
    #: The records it runs over (records filter language); unset: all of them.
    filter: Any = None
    #: Run once per tick without a record.
    once: bool = False

    @model_validator(mode="after")
    def _once_or_filter(self) -> ScheduleConfig:
        if self.once and self.filter is not None:
            raise ValueError("a rule that runs once has no records to filter")
        return self

    @property
    def zone(self) -> str:
        return self.timezone or TENANT_ZONE


class ScheduleTrigger(Trigger):
    key = "schedule"
    label = {"zh-CN": "定时", "en": "On a schedule"}
    description = {
        "zh-CN": "按 cron 表达式定时运行（默认租户时区），针对筛选出的记录，"
        "或不针对记录只运行一次。",
        "en": "At the ticks of a cron expression (the tenant's time zone by default), for the "
        "records a filter selects, or once without a record.",
    }
    Config = ScheduleConfig
    clocked = True

    @property
    def settings(self) -> ScheduleConfig:
        assert isinstance(self.config, ScheduleConfig)
        return self.config

    def check(self, cc: CheckContext) -> Iterator[Issue]:
        settings = self.settings
        try:
            check_cron(settings.cron, settings.zone)
        except ValueError as err:
            where = "timezone" if "time zone" in str(err) else "cron"
            yield f"{cc.path}.trigger.{where}", str(err)
        if len(settings.cron.split()) != 5:
            yield f"{cc.path}.trigger.cron", "give five fields: minute hour day month weekday"
        if settings.filter is not None:
            try:
                parse_filter(json.dumps(settings.filter))
            except Exception as err:
                yield f"{cc.path}.trigger.filter", getattr(err, "message", str(err))


__all__ = ["ScheduleConfig", "ScheduleTrigger"]
