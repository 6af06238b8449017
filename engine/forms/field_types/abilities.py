"""Abilities only some field types have, each a small base class.

The records service asks ``isinstance(field.type, References)`` and so on,
so a field type opts into a step of the record lifecycle by inheriting it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, MetaData, Table

from engine.forms.field_types.base import BoundField

if TYPE_CHECKING:
    from engine.forms.context import ReadContext, WriteContext
    from engine.forms.runtime import AppRuntime, EntityRuntime


class References(ABC):
    """Values point at rows elsewhere (linked records, users, files).

    Checked in one batch per field for all records of a write, so a bulk
    insert of 10,000 rows costs one query per field, not one per row.
    """

    @abstractmethod
    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        """Return, per value, the value to store or a ``FieldInvalid`` to report."""
        ...

    def display_titles(
        self, field: BoundField, values: Sequence[Any], ctx: ReadContext
    ) -> dict[Any, Any]:
        """Return what a person sees for each referenced key (a title, a file name)."""
        return {}


class Generated(ABC):
    """Values produced once when records are created (serial numbers).

    Called once per batch with all new rows, so a bulk insert of 10,000
    records allocates its numbers in one statement, not 10,000.
    """

    @abstractmethod
    def generate(
        self, field: BoundField, rows: Sequence[Mapping[str, Any]], ctx: WriteContext
    ) -> list[Any]:
        """Return one value per row, in order."""


class Computed(ABC):
    """Values derived from the record's other values on every write (formulas)."""

    @abstractmethod
    def depends_on(self, field: BoundField) -> frozenset[str]: ...

    @abstractmethod
    def compute(self, field: BoundField, values: Mapping[str, Any], ctx: WriteContext) -> Any: ...


class QueryTime(ABC):
    """Values computed by the database when records are read (roll-ups)."""

    #: Whether every new record has the same value (a roll-up: no related
    #: records yet), so a create can answer it without asking the database.
    same_for_new_records: ClassVar[bool] = False

    @abstractmethod
    def select_expression(
        self, field: BoundField, entity: EntityRuntime, app: AppRuntime
    ) -> ColumnElement[Any]: ...


class ChildRows(ABC):
    """Values stored as rows of a child table (sub-tables)."""

    @abstractmethod
    def child_table(
        self, field: BoundField, entity: EntityRuntime, metadata: MetaData
    ) -> Table: ...

    @abstractmethod
    def coerce_rows(self, field: BoundField, value: Any, ctx: WriteContext) -> list[dict[str, Any]]:
        """Validate and compute the rows; raise ``RecordInvalid`` naming ``field[i].sub``."""
        ...

    @abstractmethod
    def write_rows(
        self, field: BoundField, record_id: int, rows: list[dict[str, Any]], ctx: WriteContext
    ) -> None: ...

    @abstractmethod
    def read_rows(
        self, field: BoundField, record_ids: Sequence[int], ctx: ReadContext
    ) -> dict[int, list[dict[str, Any]]]: ...


class LocalTime(ABC):
    """Values read as local time where they carry no zone (date-times without an offset).

    The writer's zone is the tenant's (``WriteContext.zone()``); it is asked
    for only when such a value is written, so other writes cost no query.
    """

    @abstractmethod
    def coerce_local(self, value: Any, field: BoundField, tz: tzinfo) -> Any:
        """``coerce``, reading a value without a zone in ``tz``."""


Ability = TypeVar("Ability", References, Generated, Computed, QueryTime, ChildRows, LocalTime)


def ability(field: BoundField, kind: type[Ability]) -> Ability:
    """The field's type seen as one of its abilities (checked, so typed)."""
    if not isinstance(field.type, kind):
        raise TypeError(f"a {field.type.key} field has no {kind.__name__} ability")
    return field.type
