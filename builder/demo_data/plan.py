"""A demo data set as plain data, and writing it through the records engine.

A generator builds a ``DemoPlan``: records per entity, each with the moment
it was created and its values. Links between records are the ``Record``
objects themselves and people are ``UserRef`` handles, so the plan needs no
database ids and is the same for the same seed on any database. Writing it
goes through ``engine.forms.records.create_records`` like an import would:
validation, defaults, formulas, serial numbers and the audit log all apply.

Records are written in batches of one entity and one calendar month, with
the write context's clock set to the first record of the batch: serial
numbers (``HT-202503-0007``, monthly sequences), ``created_at`` and the audit
log then tell the story of the last months instead of the minute of the
install. The business dates of the records (opened, followed up, signed,
received) are exact to the day; ``created_at`` is exact to the month. A
finer clock would cost a batch per week or day and entity: each batch costs
a few statements per linked field, which on PostgreSQL adds up to seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from builder.demo_data.people import Organisation, OrganisationIds
from engine.forms import DEMO_DATA, AppRuntime, Cause, Hooks, WriteContext, create_records

#: Most records in one ``create_records`` call (one statement chunk each).
MAX_BATCH = 500


@dataclass(frozen=True)
class UserRef:
    """A user of the demo organisation, by user name (ids are the database's)."""

    username: str


@dataclass(frozen=True)
class DepartmentRef:
    """A department of the demo organisation, by its key in the organisation."""

    key: str


@dataclass(eq=False)
class Record:
    """One record to create: compared by identity, as links point at it."""

    entity: str
    at: datetime
    values: dict[str, Any]


@dataclass
class DemoPlan:
    """Records per entity, written in ``order`` (an entity after those it links to)."""

    order: tuple[str, ...]
    records: dict[str, list[Record]] = field(default_factory=dict)

    def add(self, entity: str, at: datetime, values: dict[str, Any]) -> Record:
        if entity not in self.order:
            raise KeyError(f"{entity!r} is not in the plan's order")
        record = Record(entity, at, values)
        self.records.setdefault(entity, []).append(record)
        return record

    def counts(self) -> dict[str, int]:
        return {key: len(self.records.get(key, [])) for key in self.order}

    def in_writing_order(self, entity: str) -> list[Record]:
        """The entity's records oldest first (stable, so equal moments keep their order)."""
        return sorted(self.records.get(entity, []), key=lambda r: r.at)

    def snapshot(self) -> dict[str, list[Any]]:
        """The plan as JSON-like data, links as ``[entity, position]``: for comparisons."""
        positions = {
            id(record): (key, i)
            for key in self.order
            for i, record in enumerate(self.in_writing_order(key))
        }

        def plain(value: Any) -> Any:
            if isinstance(value, Record):
                return list(positions[id(value)])
            if isinstance(value, UserRef):
                return f"@{value.username}"
            if isinstance(value, DepartmentRef):
                return f"#{value.key}"
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
            return value

        return {
            key: [[r.at.isoformat(), plain(r.values)] for r in self.in_writing_order(key)]
            for key in self.order
        }


@dataclass(frozen=True)
class DemoSet:
    """What a template's demo data generator returns: the people and the records."""

    organisation: Organisation
    plan: DemoPlan


def period(moment: datetime) -> tuple[int, int]:
    """The batch a record is written in: its calendar month."""
    return moment.year, moment.month


def batches(records: list[Record]) -> Iterator[list[Record]]:
    """Consecutive records of one ``period``, at most ``MAX_BATCH`` at a time."""
    batch: list[Record] = []
    for record in records:
        if batch and (period(record.at) != period(batch[0].at) or len(batch) >= MAX_BATCH):
            yield batch
            batch = []
        batch.append(record)
    if batch:
        yield batch


class _Resolver:
    """Replaces ``Record``, ``UserRef`` and ``DepartmentRef`` handles by database ids."""

    def __init__(self, user_ids: Mapping[str, int], department_ids: Mapping[str, int]) -> None:
        self.user_ids = user_ids
        self.department_ids = department_ids
        self.record_ids: dict[int, int] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Record):
            found = self.record_ids.get(id(value))
            if found is None:
                raise LookupError(
                    f"a demo record links to a {value.entity} created later ({value.at}); "
                    "the generator must only link to earlier months or entities"
                )
            return found
        if isinstance(value, UserRef):
            return self.user_ids[value.username]
        if isinstance(value, DepartmentRef):
            return self.department_ids[value.key]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def write_plan(
    conn: Connection,
    runtime: AppRuntime,
    plan: DemoPlan,
    ids: OrganisationIds,
    acting_user_id: int | None,
    hooks: Hooks,
) -> dict[str, int]:
    """Create every record of ``plan`` in the caller's transaction; returns counts.

    ``ids`` maps the plan's user names and department keys to database ids;
    ``acting_user_id`` is who the audit log and ``created_by`` name (an
    import by that user). The writes go through ``hooks``, the platform's,
    with a cause chain rooted in ``DEMO_DATA``: guards and subscribers see
    them as demo data, and the rule engine starts no rule for them (its date
    timers follow them), so the records stay as the generator made them.
    """
    resolve = _Resolver(ids.users, ids.departments)
    for key in plan.order:
        entity = runtime.entities[key]
        cause = (Cause(DEMO_DATA, runtime.key, key, ()),)
        for batch in batches(plan.in_writing_order(key)):
            at = batch[0].at
            ctx = WriteContext(conn, runtime, key, acting_user_id, at, hooks=hooks, cause=cause)
            created = create_records(ctx, entity, [resolve(r.values) for r in batch])
            for record, record_id in zip(batch, created, strict=True):
                resolve.record_ids[id(record)] = record_id
    return plan.counts()
