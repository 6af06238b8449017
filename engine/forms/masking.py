"""Values blanked per record for one reader, in the SQL of every read they make.

A role hides a field on every record (``permissions``, ``derived_access``);
a mask hides it on some records only: a pool keeps a lead's phone from the
reps until one of them claims it (``engine.actions`` contributes the masks
through ``Hooks.field_mask``; this module knows nothing of pools).

A masked column is read as ``CASE WHEN <masked> THEN NULL ELSE col END``
wherever the reader's statement uses it: in the selected values, in
``WHERE`` (a filter ``phone = '138…'`` or a ``q`` search matches nothing of a
masked record), in ``ORDER BY`` (the order says nothing), in ``GROUP BY`` and
the measures of an aggregate, and inside the subqueries of lookups, roll-ups
and ``customer.x`` filters that read the masked column of another entity.
The statement is rewritten as a whole (``apply``), after it is built, so no
compiler of filters, sorts or aggregates has to know of masks.

Stored fields of the same entity derived from a masked one (formulas) are
masked with it, by the same conditions (``derived_access`` finds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar, cast

from sqlalchemy import Alias, Column, ColumnElement, Connection, Table, case, null, or_, select
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse

from engine.forms.derived_access import hidden_fields
from engine.forms.runtime import AppRuntime

S = TypeVar("S", bound=ExternallyTraversible)


@dataclass(frozen=True)
class FieldMasks:
    """What one reader reads as blank, per table and column, with the condition when."""

    by_table: Mapping[Table, Mapping[str, ColumnElement[bool]]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __bool__(self) -> bool:
        return bool(self.by_table)

    def of(self, table: Table) -> Mapping[str, ColumnElement[bool]]:
        """The masked columns of one table (empty: none)."""
        return self.by_table.get(table, MappingProxyType({}))

    def apply(self, statement: S) -> S:
        """``statement`` with every masked column read through its mask."""
        if not self.by_table:
            return statement

        def replace(element: Any, **_: Any) -> Any:
            if not isinstance(element, Column):
                return None
            source: Any = element.table
            # A lookup or a linked filter reads the other entity through an
            # alias: the mask's condition is read on the same alias.
            aliased = isinstance(source, Alias)
            masks = self.by_table.get(source.element if aliased else source)
            condition = masks.get(element.key) if masks else None
            if condition is None:
                return None
            if aliased:
                condition = ClauseAdapter(source).traverse(condition)
            # Labelled with the column's name: a selected value keeps its key,
            # and the label renders as the bare expression in WHERE and GROUP BY.
            return case((condition, null()), else_=element).label(element.key)

        return cast(S, replacement_traverse(statement, {}, replace))

    def masked_now(self, conn: Connection, table: Table, record_id: int) -> frozenset[str]:
        """The columns of one record that are masked for the reader now."""
        masks = self.of(table)
        if not masks:
            return frozenset()
        keys = list(masks)
        row = conn.execute(
            select(*(masks[key].label(f"m{i}") for i, key in enumerate(keys))).where(
                table.c.id == record_id
            )
        ).first()
        if row is None:
            return frozenset()
        return frozenset(key for key, masked in zip(keys, row, strict=True) if masked)


NO_MASKS = FieldMasks()


def bind_field_masks(
    app: AppRuntime, declared: Mapping[str, Mapping[str, ColumnElement[bool]]]
) -> FieldMasks:
    """Bind what the contributors mask, per entity key and field, to the tables.

    A stored field derived on the same entity from a masked one is masked
    where any of the entity's masks holds (a formula over the phone gives the
    phone away). Read-time fields need nothing: their subqueries read the
    masked columns themselves and go through ``apply`` with the statement.
    """
    by_table: dict[Table, Mapping[str, ColumnElement[bool]]] = {}
    for entity_key, masks in declared.items():
        entity = app.entities.get(entity_key)
        if entity is None or not masks:
            continue
        stored = {bound.key for bound in entity.stored}
        known = {key: condition for key, condition in masks.items() if key in stored}
        if not known:
            continue
        derived = hidden_fields(app, {entity_key: frozenset(known)}, frozenset()).own[entity_key]
        conditions = list(dict.fromkeys(known.values()))
        anywhere = conditions[0] if len(conditions) == 1 else or_(*conditions)
        for key in derived:
            if key in stored and key not in known:
                known[key] = anywhere
        by_table[entity.table] = MappingProxyType(known)
    return FieldMasks(MappingProxyType(by_table))


__all__ = ["NO_MASKS", "FieldMasks", "bind_field_masks"]
