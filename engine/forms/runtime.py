"""An app definition made executable: bound fields and physical tables.

Built once per published app version and cached (``RuntimeCache``); every
request of that version reuses the same tables, compiled expressions and
field order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table, UniqueConstraint

from engine.definition import AppDefinition, EntityDef, FieldDef
from engine.forms.field_types.abilities import (
    ChildRows,
    Computed,
    Generated,
    QueryTime,
    References,
    ability,
)
from engine.forms.field_types.base import BoundField
from engine.forms.naming import entity_table_name, physical_name
from engine.forms.registry import field_types
from engine.store.tables import NAMING_CONVENTION
from engine.store.types import UTCDateTime


def bind_field(defn: FieldDef) -> BoundField:
    """Parse the type-specific options of a field (raises pydantic's ValidationError)."""
    field_type = field_types.get(defn.type)
    return BoundField(defn, field_type, field_type.Options.model_validate(defn.options))


@dataclass(eq=False)
class EntityRuntime:
    app_key: str
    defn: EntityDef
    fields: dict[str, BoundField]
    table: Table = field(init=False)
    child_tables: dict[str, Table] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.defn.key

    @property
    def title_field(self) -> str | None:
        return self.defn.title_field

    def fields_with(self, ability: type) -> list[BoundField]:
        return [f for f in self.fields.values() if isinstance(f.type, ability)]

    @property
    def writable(self) -> list[BoundField]:
        return [f for f in self.fields.values() if f.type.writable]

    @property
    def stored(self) -> list[BoundField]:
        return [f for f in self.fields.values() if f.type.stored]

    def __post_init__(self) -> None:
        self.references = self.fields_with(References)
        self.generated = self.fields_with(Generated)
        self.query_time = self.fields_with(QueryTime)
        self.child_rows = self.fields_with(ChildRows)
        self.computed = computation_order(self.fields_with(Computed))
        self.searchable = [f for f in self.fields.values() if f.type.searchable]


def computation_order(fields: list[BoundField]) -> list[BoundField]:
    """Order computed fields so each runs after the computed fields it reads."""
    by_key = {f.key: f for f in fields}
    graph = {f.key: {d for d in ability(f, Computed).depends_on(f) if d in by_key} for f in fields}
    try:
        return [by_key[key] for key in TopologicalSorter(graph).static_order()]
    except CycleError as err:
        raise ValueError(f"formulas depend on each other in a circle: {err.args[1]}") from None


@dataclass(eq=False)
class AppRuntime:
    definition: AppDefinition
    version_id: int | None
    entities: dict[str, EntityRuntime]
    metadata: MetaData

    @property
    def key(self) -> str:
        return self.definition.key

    def entity(self, key: str) -> EntityRuntime | None:
        return self.entities.get(key)

    def all_tables(self) -> list[Table]:
        tables: list[Table] = []
        for entity in self.entities.values():
            tables.append(entity.table)
            tables.extend(entity.child_tables.values())
        return tables


def system_columns() -> list[Column[Any]]:
    return [
        Column("id", Integer, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("updated_by", Integer, ForeignKey("users.id"), nullable=True),
        # Soft delete: a deleted record waits in the recycle bin until restored or purged.
        Column("deleted_at", UTCDateTime(), nullable=True),
        Column("deleted_by", Integer, ForeignKey("users.id"), nullable=True),
    ]


def build_runtime(definition: AppDefinition, version_id: int | None = None) -> AppRuntime:
    """Bind every field and describe every table; touches no database."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Referenced by user fields and system columns; lives in the tenant's store.
    Table("users", metadata, Column("id", Integer, primary_key=True))
    entities = {
        e.key: EntityRuntime(definition.key, e, {f.key: bind_field(f) for f in e.fields})
        for e in definition.entities
    }
    # Tables first without columns that reference others, so links resolve in any order.
    for entity in entities.values():
        # AUTOINCREMENT: SQLite never gives a deleted row's id out again (records.py).
        entity.table = Table(
            entity_table_name(definition.key, entity.key), metadata, sqlite_autoincrement=True
        )
    for entity in entities.values():
        table = entity.table
        for column in system_columns():
            table.append_column(column)
        for bound in entity.stored:
            for column in bound.type.columns(bound, entity):
                table.append_column(column)
            if bound.defn.unique:
                table.append_constraint(
                    UniqueConstraint(bound.key, name=physical_name("uq", table.name, bound.key))
                )
            elif bound.defn.index:
                table.append_constraint(
                    Index(physical_name("ix", table.name, bound.key), table.c[bound.key])
                )
        for columns in entity.defn.indexes:
            table.append_constraint(
                Index(physical_name("ix", table.name, *columns), *(table.c[c] for c in columns))
            )
        for bound in entity.child_rows:
            entity.child_tables[bound.key] = ability(bound, ChildRows).child_table(
                bound, entity, metadata
            )
    return AppRuntime(definition, version_id, entities, metadata)


class RuntimeCache:
    """Runtimes by (tenant, app version id): a version never changes once stored."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int], AppRuntime] = {}
        self._lock = threading.Lock()

    def peek(self, tenant: str, version_id: int) -> AppRuntime | None:
        return self._items.get((tenant, version_id))

    def put(self, tenant: str, version_id: int, definition: dict[str, Any]) -> AppRuntime:
        runtime = build_runtime(AppDefinition.model_validate(definition), version_id)
        with self._lock:
            return self._items.setdefault((tenant, version_id), runtime)

    def forget_tenant(self, tenant: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == tenant]:
                del self._items[key]
