"""What every migration operation is: a small typed step of a publish plan.

An operation is data (a frozen dataclass computed from two definitions,
touching no database) with three behaviours: ``describe()`` says in words
what it will do to data, ``check()`` looks at the data without changing it
(a type change finds the values it could not convert), and ``apply()``
changes the tables inside the caller's transaction. ``phase`` orders a plan
so each step finds the tables as it expects them (restores first, drops of
indexes before the columns they cover change, new indexes last).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from alembic.operations import Operations
from sqlalchemy import Connection, Table

from builder.archive import ArchiveRecord
from engine.definition import EntityDef, FieldDef
from engine.errors import DomainError
from engine.forms import (
    AppRuntime,
    BoundField,
    EntityRuntime,
    Hooks,
    field_type_registry,
    sub_fields,
)

#: A text for people in each language we speak: {"en": …, "zh-CN": …}.
Text = dict[str, str]

#: Failing records named in one problem; the total is always given.
MAX_NAMED_RECORDS = 20


@dataclass(frozen=True)
class Scope:
    """Where fields live: an entity's table, or the child table of one of its sub-tables."""

    entity: str
    subtable: str | None = None

    @property
    def path(self) -> str:
        return self.entity if self.subtable is None else f"{self.entity}.{self.subtable}"

    def fields(self, runtime: AppRuntime) -> dict[str, BoundField]:
        entity = runtime.entities[self.entity]
        if self.subtable is None:
            return entity.fields
        return sub_fields(entity.fields[self.subtable])

    def table(self, runtime: AppRuntime) -> Table:
        entity = runtime.entities[self.entity]
        if self.subtable is None:
            return entity.table
        return entity.child_tables[self.subtable]

    def entity_runtime(self, runtime: AppRuntime) -> EntityRuntime:
        return runtime.entities[self.entity]

    def to_json(self) -> dict[str, Any]:
        """The start of an operation's ``details()``."""
        return {"entity": self.entity, "subtable": self.subtable}


@dataclass(frozen=True)
class RecordProblem:
    """One record whose data stands in the way; ``row`` is the line of a sub-table (1-based)."""

    id: int
    value: Any
    message: str
    row: int | None = None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "value": self.value, "message": self.message}
        if self.row is not None:
            item["row"] = self.row
        return item

    def describe(self) -> str:
        where = f"record #{self.id}" + (f" row {self.row}" if self.row is not None else "")
        return f"{where}: {self.value!r} {self.message}"


@dataclass(frozen=True)
class Problem:
    """Something that stops a publish (``blocking``) or that its author should know."""

    code: str
    #: ``entity.field`` (or ``entity.subtable.field``, or a JSON path of the definition).
    path: str
    message: str
    blocking: bool = True
    records: tuple[RecordProblem, ...] = ()
    #: How many records in all; ``records`` names at most MAX_NAMED_RECORDS of them.
    total: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "path": self.path,
            "message": self.message,
            "blocking": self.blocking,
            "records": [r.to_json() for r in self.records],
            "total": self.total,
        }

    def errors(self) -> list[dict[str, Any]]:
        """The problem as problem+json ``errors`` items: one per named record."""
        if not self.records:
            return [{"field": self.path, "message": self.message}]
        return [
            {
                "field": self.path,
                "message": f"{self.message}: {r.describe()}",
                "record": r.id,
                **({"row": r.row} if r.row is not None else {}),
                "value": r.value,
            }
            for r in self.records
        ]


class PlanRefused(DomainError):
    """The plan cannot be applied; nothing was changed (the caller rolls back) (422).

    ``errors`` names the failing records. A route says in ``detail`` what
    was refused (a publish, an upgrade), which this error cannot know.
    """

    status = 422
    title = "Invalid input"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems

    def problem_errors(self) -> list[dict[str, Any]]:
        return [error for p in self.problems for error in p.errors()]


@dataclass
class PlanContext:
    """What checks may look at: the data, and both versions of the app."""

    conn: Connection
    app_key: str
    old: AppRuntime
    new: AppRuntime


@dataclass
class ApplyContext(PlanContext):
    """What ``apply`` works with, inside the publish's one transaction."""

    ops: Operations
    archive: ArchiveRecord
    #: The platform's write guards and subscribers: records the publish
    #: rewrites (a formula backfill) emit their events through them.
    hooks: Hooks
    #: Steps that must wait until every table exists (foreign keys between new tables).
    deferred: list[Callable[[], None]] = field(default_factory=list)

    @property
    def version_id(self) -> int:
        return self.archive.version_id


class Operation(ABC):
    kind: ClassVar[str]
    phase: ClassVar[int]
    #: False for changes of the definition alone (labels, options): no DDL, no data.
    changes_data: ClassVar[bool] = True
    #: Whether ``check`` may find blocking problems, so publishing runs it first.
    blocking_checks: ClassVar[bool] = False

    @abstractmethod
    def describe(self) -> Text:
        """What the step does to the data, for the person about to publish."""

    @abstractmethod
    def apply(self, ctx: ApplyContext) -> None:
        """Change the tables; raise ``PlanRefused`` if the data does not allow it."""

    def check(self, ctx: PlanContext) -> list[Problem]:
        """Look at the data without changing it; problems that would stop ``apply``."""
        return []

    @property
    def order(self) -> int:
        """Tie-break within a phase (lower first)."""
        return 0

    def details(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "changes_data": self.changes_data,
            "description": self.describe(),
            **self.details(),
        }


def type_label(type_key: str) -> Text:
    if type_key in field_type_registry:
        label = field_type_registry.get(type_key).label
        return {"en": label.get("en", type_key), "zh-CN": label.get("zh-CN", type_key)}
    return {"en": type_key, "zh-CN": type_key}


def display_name(defn: FieldDef | EntityDef) -> Text:
    """A field or entity as people know it: its label (in each language) and key."""
    label = defn.label or {}
    en = label.get("en")
    zh = label.get("zh-CN") or en
    return {
        "en": f'"{en}" ({defn.key})' if en else defn.key,
        "zh-CN": f"“{zh}”({defn.key})" if zh else defn.key,
    }


def field_json(defn: FieldDef) -> dict[str, Any]:
    return defn.model_dump(mode="json", exclude_none=True)
