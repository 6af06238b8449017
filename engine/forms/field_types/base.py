"""The contract every field type fulfils, kept small on purpose.

A field type owns everything about its values: the column(s) that store them,
how JSON input becomes a stored value (``coerce``), how a stored value goes
back to JSON (``to_json``), its JSON-Schema fragment and the checks of its own
options against the rest of the definition. Abilities only some types have
(references to other rows, computed values, child rows) are separate small
base classes in ``abilities.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column
from sqlalchemy.types import TypeEngine

from engine.definition import AppDefinition, EntityDef, FieldDef, Label

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime

#: ``filter_kind``/``cell`` of types whose options decide them (formula, roll-up, lookup).
DERIVED = "derived"
#: Every ``cell`` a type may declare: what a person types into one spreadsheet
#: cell (``engine.forms.transfer.cells`` reads and writes each).
CELLS = frozenset(
    {
        "text",
        "number",
        "percent",
        "boolean",
        "date",
        "datetime",
        "time",
        "choice",
        "choices",
        "reference",
        "references",
        "tags",
        "address",
        "json",
        DERIVED,
    }
)


class Options(BaseModel):
    """Base of every type's options: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, eq=False)
class BoundField:
    """A field definition joined with its type and its parsed options."""

    defn: FieldDef
    type: FieldType
    options: Any

    @property
    def key(self) -> str:
        return self.defn.key

    @property
    def required(self) -> bool:
        return self.defn.required


@dataclass(frozen=True)
class Example:
    """A fake value for the docs and the tests: what a client sends or reads.

    ``options`` are the type options the example needs (a select needs its
    list of options); the docs page and the catalogue show both.
    """

    value: Any
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DefinitionContext:
    """What a field type may look at when checking its options."""

    app: AppDefinition
    entity: EntityDef


class FieldType:
    key: ClassVar[str]
    label: ClassVar[Label]
    Options: ClassVar[type[Options]] = Options
    #: What a value looks like in the API's JSON, in one sentence for API clients.
    wire: ClassVar[str]
    example: ClassVar[Example]
    #: False for values the engine derives (autonumber, formula, rollup).
    writable: ClassVar[bool] = True
    #: False for types without a column on the entity table (rollup, subtable).
    stored: ClassVar[bool] = True
    #: Whether ``?q=`` full-text-ish search looks into this field.
    searchable: ClassVar[bool] = False

    # What other engines and the UI ask of a type. Deliberately without
    # defaults: every type declares each one (a test checks it), so a new
    # type is a decision, not a silent "no".
    #: Whether values are numbers that compare, add up and copy into each other.
    numeric: ClassVar[bool]
    #: Whether a list may be ordered by this field (the web client asks the catalogue).
    sortable: ClassVar[bool]
    #: The filter kind's key (``engine.forms.filters.kinds``), None when the field
    #: cannot be filtered, ``DERIVED`` when its options decide (``filter_kind_of``).
    filter_kind: ClassVar[str | None]
    #: Whether a sub-table's rows may hold a field of this type.
    in_subtable: ClassVar[bool]
    #: How one spreadsheet cell reads and writes a value (``CELLS``), None when
    #: values do not fit in a cell (never exported, refused on import).
    cell: ClassVar[str | None]
    #: The XLSX number format of a column of this type, if it has one.
    sheet_format: ClassVar[str | None] = None

    # -- storage ---------------------------------------------------------------
    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        raise TypeError(f"{self.key} has no column type")

    def columns(self, field: BoundField, entity: EntityRuntime) -> list[Column[Any]]:
        return [Column(field.key, self.column_type(field), nullable=True)]

    # -- values ----------------------------------------------------------------
    def coerce(self, value: Any, field: BoundField) -> Any:
        """Turn a JSON value into the stored value, or raise ``FieldInvalid``.

        ``value`` is never ``None`` here: emptiness is handled by the caller.
        """
        return value

    def coercer(self, field: BoundField) -> Callable[[Any], Any]:
        """``coerce`` bound to one field, built once per runtime (bulk writes call it a lot).

        A type may override it to prepare what its checks need once per field.
        """
        coerce = self.coerce
        return lambda value: coerce(value, field)

    def to_json(self, value: Any, field: BoundField) -> Any:
        return value

    def parse_query(self, text: str, field: BoundField) -> Any:
        """Turn a query-string value (always text) into a stored value."""
        return self.coerce(text, field)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {}

    # -- definition checks -----------------------------------------------------
    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        """Yield (JSON-path suffix, message) for options that contradict the app."""
        return iter(())

    # -- knowledge that depends on the options ------------------------------------
    def behaves_as(self, field: BoundField) -> FieldType:
        """The type whose values this field's values are (a formula: its result type)."""
        return self

    def filter_kind_of(
        self, field: BoundField, entity: EntityRuntime | None, app: AppRuntime | None
    ) -> str | None:
        """The filter kind of this field; types whose ``filter_kind`` is ``DERIVED`` override it.

        Without ``entity`` and ``app`` a kind that depends on other entities is unknown (None).
        """
        return self.filter_kind

    # -- catalogue -------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        return {
            "type": self.key,
            "label": self.label,
            "writable": self.writable,
            "numeric": self.numeric,
            "sortable": self.sortable,
            "filter_kind": self.filter_kind,
            "in_subtable": self.in_subtable,
            "cell": self.cell,
            "options_schema": self.Options.model_json_schema(),
            "wire": self.wire,
            "example": {"options": dict(self.example.options), "value": self.example.value},
        }


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
