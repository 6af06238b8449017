"""Hiddenness follows the dependency graph: a field derived from one the reader cannot see
is hidden from them too.

A role hides fields by name (``fields: {"secret": "hidden"}``), but other
fields can carry the same value further: a lookup on another entity shows it
through a link, a roll-up sums it over related records, a formula computes
with it (and a formula of that formula), a link shows the linked record's
title. This module walks those edges once per (app version, roles) and
answers, per entity, every field whose value would give a hidden one away.

The edges, per field type (``inputs``):

* a formula (any ``Computed`` type) reads fields of its own record
  (``SUMOF(lines, 'cost')`` reads the sub-table ``lines``);
* a lookup reads its link on its own record and the looked-up field of the
  linked entity;
* a roll-up reads, on the related entity, the link it goes through
  (``via``), the aggregated field and every field of its ``where``;
* any other read-time (``QueryTime``) type is of unknown origin, so it is
  hidden from every reader with a hidden field anywhere in the app (a new
  type declares its inputs here to be shown).

Autonumbers embed no field (their pattern has only date parts and the
sequence), and a sub-table's line formulas read only their own line: a
sub-table is hidden as a whole or not at all.

"Through a link" a field is also hidden when the reader may not read the
linked entity at all (no read scope): a lookup, a roll-up, a link title and a
filter like ``customer.industry`` then show nothing of it. The record scope
does not matter there, as for link titles: a lookup shows the looked-up field
of the linked record whether or not that record is in the reader's scope, so
a designer who does not want that hides the lookup (docs/permissions.md).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from engine.expressions import ExpressionError, compile_expression
from engine.forms.field_types.abilities import Computed, QueryTime, References, ability
from engine.forms.field_types.base import BoundField
from engine.forms.field_types.lookup import LookupType
from engine.forms.field_types.rollup import RollupOptions, RollupType
from engine.forms.runtime import AppRuntime, EntityRuntime

#: A field's node in the graph: (through a link?, entity key, field key). The
#: same field is a different node when reached from another entity, because an
#: entity the reader may not read hides all of its fields that way only.
_Node = tuple[bool, str, str]


@dataclass(frozen=True)
class Input:
    """One value a field is derived from: ``key`` of ``entity``.

    ``linked`` when it is read on another record (through a link): then it is
    hidden if the reader may not see it *through a link* (``through_links``).
    """

    entity: str
    key: str
    linked: bool


def _rollup_inputs(options: RollupOptions) -> Iterator[Input]:
    yield Input(options.source, options.via, True)
    if options.field is not None:
        yield Input(options.source, options.field, True)
    if options.where:
        try:
            names = compile_expression(options.where).names
        except ExpressionError:  # checked at publish; a broken one reads nothing
            names = frozenset()
        for name in names:
            yield Input(options.source, name, True)


def inputs(bound: BoundField, entity: EntityRuntime) -> list[Input] | None:
    """What ``bound``'s value is derived from; ``[]`` for a value of its own.

    ``None`` for a read-time type whose inputs are unknown here: it is treated
    as derived from every hidden field.
    """
    if isinstance(bound.type, Computed):
        depends = ability(bound, Computed).depends_on(bound)
        return [Input(entity.key, name, False) for name in sorted(depends)]
    if isinstance(bound.type, LookupType):
        link = entity.fields.get(bound.options.link)
        target = getattr(link.options, "target", None) if link is not None else None
        found = [Input(entity.key, bound.options.link, False)]
        if isinstance(target, str):
            found.append(Input(target, bound.options.field, True))
        return found
    if isinstance(bound.type, RollupType):
        return list(_rollup_inputs(bound.options))
    if isinstance(bound.type, QueryTime):
        return None
    return []


@dataclass(frozen=True)
class HiddenFields:
    """What one set of roles hides, per entity key, after following every derivation."""

    #: Fields hidden on the entity's own records (in its lists, filters, history…).
    own: Mapping[str, frozenset[str]]
    #: Fields hidden when reached through a link from another entity (lookups,
    #: roll-ups, titles, ``customer.x`` filters): ``own`` plus, for an entity
    #: the reader may not read at all, every field.
    through_links: Mapping[str, frozenset[str]]

    def title_hidden(self, bound: BoundField, app: AppRuntime) -> bool:
        """Whether the title a reference field shows in ``_display`` is hidden.

        Links show the linked record's ``title_field``; an entity without one
        shows ``#id``, which gives nothing away.
        """
        if not isinstance(bound.type, References):
            return False
        target_key = getattr(bound.options, "target", None)
        target = app.entities.get(target_key) if isinstance(target_key, str) else None
        if target is None:
            return False
        if target.title_field is None:
            return False
        return target.title_field in self.through_links.get(target.key, frozenset())


def hidden_fields(
    app: AppRuntime, declared: Mapping[str, frozenset[str]], unreadable: frozenset[str]
) -> HiddenFields:
    """Follow derivations from the fields the roles hide by name.

    ``declared`` is, per entity, what the roles' field levels hide;
    ``unreadable`` the entities the reader has no read scope on. Linear in
    the number of fields: one breadth-first walk over the reversed edges.
    """
    dependents: dict[_Node, list[_Node]] = defaultdict(list)
    unknown: list[_Node] = []
    for entity in app.entities.values():
        for bound in entity.fields.values():
            node: _Node = (False, entity.key, bound.key)
            # Hidden on its own record → hidden through a link as well.
            dependents[node].append((True, entity.key, bound.key))
            found = inputs(bound, entity)
            if found is None:
                unknown.append(node)
                continue
            for source in found:
                dependents[(source.linked, source.entity, source.key)].append(node)
    seeds: list[_Node] = [(False, e, k) for e, keys in declared.items() for k in keys]
    for key in unreadable:
        seeds.extend((True, key, k) for k in app.entities[key].fields)
    if seeds:
        seeds.extend(unknown)
    hidden: set[_Node] = set()
    pending = deque(seeds)
    while pending:
        node = pending.popleft()
        if node in hidden:
            continue
        hidden.add(node)
        pending.extend(dependents.get(node, ()))
    own: dict[str, set[str]] = {key: set() for key in app.entities}
    through: dict[str, set[str]] = {key: set() for key in app.entities}
    for linked, entity_key, field_key in hidden:
        (through if linked else own)[entity_key].add(field_key)
    return HiddenFields(
        MappingProxyType({k: frozenset(v) for k, v in own.items()}),
        MappingProxyType({k: frozenset(v) for k, v in through.items()}),
    )


def as_shown(values: Mapping[str, Any], hidden: Collection[str]) -> dict[str, Any]:
    """``values`` as a reader who may not see ``hidden`` knows them: those blank.

    A condition whose answer is shown to the reader (a field's
    ``visible_when``, an action offered by its ``when``) is evaluated on
    these, so that its answer cannot depend on a value the reader may not see.
    """
    return {key: None if key in hidden else value for key, value in values.items()}


__all__ = ["HiddenFields", "Input", "as_shown", "hidden_fields", "inputs"]
