"""The sales app (tests/engine/actions) with rules, written through the platform's hooks.

The clock's tests (date and schedule triggers, the assign effect) need a
pool, owners and dates: the sales app has them. ``install_rules`` installs
it with the given rules; ``Clocked`` writes records as the system with the
platform's hooks (so rules run and timers follow) and runs the clock's work
at a fake ``now``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from engine.forms import WriteContext, create_records, delete_record, update_record
from engine.platform import Platform
from engine.rules.clock import run_schedules, tick_timers
from engine.store.tables import notifications, rule_runs, rule_timers
from tests.engine.actions.sales_app import NOW, Sales, install_sales, sales_app


@dataclass
class Clocked:
    sales: Sales

    @property
    def platform(self) -> Platform:
        return self.sales.platform

    @property
    def tenant(self) -> str:
        return self.sales.tenant

    @property
    def ids(self) -> dict[str, int]:
        return self.sales.ids

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.platform.store.write(self.tenant) as conn:
            yield conn

    def runtime_of(self, conn: Connection, key: str) -> Any:
        return self.platform.runtime(conn, self.tenant, key)

    def context(self, conn: Connection, entity: str, now: datetime) -> WriteContext:
        runtime = self.sales.runtime(conn)
        return WriteContext(conn, runtime, entity, None, now, hooks=self.platform.hooks)

    def create(
        self, rows: Sequence[Mapping[str, Any]], *, entity: str = "lead", now: datetime = NOW
    ) -> list[int]:
        with self.write() as conn:
            ctx = self.context(conn, entity, now)
            return create_records(ctx, ctx.app.entities[entity], list(rows))

    def lead(self, now: datetime = NOW, **values: Any) -> int:
        values.setdefault("company", "ACME")
        return self.create([values], now=now)[0]

    def update(
        self,
        record_id: int,
        values: Mapping[str, Any],
        *,
        entity: str = "lead",
        now: datetime = NOW,
    ) -> None:
        with self.write() as conn:
            ctx = self.context(conn, entity, now)
            target = ctx.app.entities[entity]
            version = conn.scalar(
                select(target.table.c.version).where(target.table.c.id == record_id)
            )
            update_record(ctx, target, record_id, values, int(version))

    def delete(self, record_id: int, *, entity: str = "lead", now: datetime = NOW) -> None:
        with self.write() as conn:
            ctx = self.context(conn, entity, now)
            delete_record(ctx, ctx.app.entities[entity], record_id)

    def read(self, record_id: int, entity: str = "lead") -> dict[str, Any]:
        return self.sales.read(entity, record_id)

    def tick(self, now: datetime) -> dict[str, Any]:
        return tick_timers(self.write, self.runtime_of, now, self.platform.hooks)

    def schedules(self, now: datetime) -> list[dict[str, Any]]:
        runs = run_schedules(self.write, self.runtime_of, now, self.platform.hooks)
        return [run.to_json() for run in runs]

    def timers(self) -> dict[int, Any]:
        with self.platform.store.read(self.tenant) as conn:
            return {row.record_id: row for row in conn.execute(select(rule_timers))}

    def notified(self, username: str) -> list[str]:
        with self.platform.store.read(self.tenant) as conn:
            query = (
                select(notifications.c.title)
                .where(notifications.c.user_id == self.ids[username])
                .order_by(notifications.c.id)
            )
            return list(conn.scalars(query))

    def runs(self, outcome: str) -> int:
        with self.platform.store.read(self.tenant) as conn:
            query = (
                select(func.count()).select_from(rule_runs).where(rule_runs.c.outcome == outcome)
            )
            return int(conn.scalar(query) or 0)


def with_rules(*rules: Mapping[str, Any]) -> dict[str, Any]:
    definition = sales_app()
    definition["rules"] = [dict(rule) for rule in rules]
    return definition


def install_rules(platform: Platform, tenant: str, *rules: Mapping[str, Any]) -> Clocked:
    """The sales app with these rules (checked as at publish), in the test tenant."""
    return Clocked(install_sales(platform, tenant, with_rules(*rules)))


__all__ = ["NOW", "Clocked", "install_rules", "with_rules"]
