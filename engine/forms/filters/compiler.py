"""From a parsed filter to SQL: bind it to an entity, then visit it.

``bind`` checks every condition against the entity (the field exists, the
operator suits its kind, the operand has the right type) and collects every
error before raising, so one 422 names all of them. The bound tree holds
columns and coerced values only; ``SqlCompiler`` walks it and returns one
SQLAlchemy Core condition.

A condition on a linked field (``customer.industry``) becomes a semi-join,
``customer IN (SELECT id FROM customer_table WHERE industry = …)``, rather
than a JOIN: the list query keeps one table in its FROM, so paging, the
total count and sorting are untouched and several linked conditions (also
inside ``or``) compose without aliases. Both planners handle it well:
PostgreSQL plans it as a hash or nested-loop semi-join, SQLite runs the
uncorrelated subquery once into an ephemeral index and probes it, or uses
the link column's index to look rows up by the matching ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, and_, or_, select

from engine.forms.errors import FieldError, FieldInvalid, QueryInvalid
from engine.forms.filters.kinds import Zone, default_zone
from engine.forms.filters.model import Condition, FilterNode, Group, QueryParamCondition
from engine.forms.filters.operators import OperandInvalid, Operator, operators
from engine.forms.filters.targets import LinkedView, Target, resolve
from engine.i18n import Message
from engine.registry import UnknownKeyError

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime, EntityRuntime


@dataclass(frozen=True)
class BoundCondition:
    target: Target
    operator: Operator
    value: Any


@dataclass(frozen=True)
class BoundGroup:
    conjunction: Literal["and", "or"]
    items: tuple[BoundNode, ...]


BoundNode = BoundCondition | BoundGroup


class Binder:
    """Binds conditions of one entity, collecting errors by path."""

    def __init__(
        self,
        entity: EntityRuntime,
        app: AppRuntime,
        linked_view: LinkedView | None = None,
        zone: Zone = default_zone,
    ) -> None:
        self.entity = entity
        self.app = app
        self.linked_view = linked_view
        self.zone = zone
        self.errors: list[FieldError] = []

    def node(self, node: FilterNode, path: str) -> BoundNode | None:
        if isinstance(node, Group):
            items = [
                self.node(item, f"{path}.{node.conjunction}[{i}]")
                for i, item in enumerate(node.items)
            ]
            kept = tuple(item for item in items if item is not None)
            return BoundGroup(node.conjunction, kept) if len(kept) == len(items) else None
        return self.condition(node, f"{path}.field", f"{path}.op", f"{path}.value")

    def param(self, key: str, condition: QueryParamCondition) -> BoundCondition | None:
        """A ``?field=value`` parameter: every error is named by the parameter."""
        return self.condition(condition, key, key, key)

    def condition(
        self, condition: Condition, field_path: str, op_path: str, value_path: str
    ) -> BoundCondition | None:
        try:
            target = replace(
                resolve(condition.field, self.entity, self.app, self.linked_view), zone=self.zone
            )
        except FieldInvalid as err:
            self.errors.append(FieldError(field_path, err.message))
            return None
        query_text = isinstance(condition, QueryParamCondition)
        op = condition.op
        if query_text and "eq" not in target.kind.operators and "contains" in target.kind.operators:
            # ?tags=vip on a multiple choice means "has vip": it has no plain equality.
            op = "contains"
        try:
            operator = operators.get(op)
        except UnknownKeyError:
            known = ", ".join(sorted(operators))
            message = Message("filter.unknown_operator", op=op, known=known)
            self.errors.append(FieldError(op_path, message))
            return None
        if operator.key not in target.kind.operators:
            message = Message(
                "filter.operator_not_for",
                op=operator.key,
                field=target.label,
                type=target.type_label,
                allowed=", ".join(target.kind.operators),
            )
            self.errors.append(FieldError(op_path, message))
            return None
        try:
            value = operator.operand(condition.value, target, query_text)
        except OperandInvalid as err:
            self.errors.append(FieldError(value_path + err.at, err.message, target.label))
            return None
        except FieldInvalid as err:
            self.errors.append(FieldError(value_path, err.message, target.label))
            return None
        return BoundCondition(target, operator, value)

    def raise_errors(self) -> None:
        if self.errors:
            raise QueryInvalid(self.errors)


def bind_filter(
    node: FilterNode,
    entity: EntityRuntime,
    app: AppRuntime,
    path: str = "filter",
    linked_view: LinkedView | None = None,
    zone: Zone = default_zone,
) -> BoundNode:
    """Check ``node`` against ``entity``; raise ``RecordInvalid`` naming each bad part."""
    binder = Binder(entity, app, linked_view, zone)
    bound = binder.node(node, path)
    binder.raise_errors()
    assert bound is not None  # no errors means every node was bound
    return bound


class SqlCompiler:
    """A visitor from a bound tree to one SQLAlchemy condition, for one dialect.

    The dialect matters for JSON arrays only (``json_each`` on SQLite,
    JSONB ``?|`` on PostgreSQL); everything else is portable Core.
    """

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def visit(self, node: BoundNode) -> ColumnElement[bool]:
        if isinstance(node, BoundGroup):
            return self.visit_group(node)
        return self.visit_condition(node)

    def visit_group(self, group: BoundGroup) -> ColumnElement[bool]:
        parts = [self.visit(item) for item in group.items]
        return and_(*parts) if group.conjunction == "and" else or_(*parts)

    def visit_condition(self, condition: BoundCondition) -> ColumnElement[bool]:
        target = condition.target
        sql = condition.operator.to_sql(target, condition.value, self.dialect)
        hop = target.hop
        if hop is None:
            return sql
        # correlate(None): the subquery names the linked table in its own FROM,
        # even when a link points at its own entity (a parent customer).
        matching = select(hop.entity.table.c.id).where(sql).correlate(None)
        linked = hop.link.in_(matching)
        if condition.operator.matches_blank(condition.value):
            # No linked record: the linked field is blank too.
            return or_(hop.link.is_(None), linked)
        return linked


def compile_filter(node: BoundNode, dialect: str) -> ColumnElement[bool]:
    """The SQL condition of a bound filter for ``dialect`` ("sqlite", "postgresql")."""
    return SqlCompiler(dialect).visit(node)


def filter_conditions(
    entity: EntityRuntime,
    app: AppRuntime,
    dialect: str,
    *,
    params: Mapping[str, QueryParamCondition] | None = None,
    tree: FilterNode | None = None,
    linked_view: LinkedView | None = None,
    zone: Zone = default_zone,
) -> list[ColumnElement[bool]]:
    """The conditions of a list request: equality parameters and the filter tree.

    Every error of both is collected and raised together as ``RecordInvalid``.
    ``linked_view`` is how the reader sees linked entities (see ``targets``);
    ``zone`` gives the tenant's zone, for date-times without an offset.
    """
    binder = Binder(entity, app, linked_view, zone)
    bound: list[BoundNode | None] = [binder.param(k, c) for k, c in (params or {}).items()]
    if tree is not None:
        bound.append(binder.node(tree, "filter"))
    binder.raise_errors()
    compiler = SqlCompiler(dialect)
    return [compiler.visit(node) for node in bound if node is not None]


__all__ = [
    "Binder",
    "BoundCondition",
    "BoundGroup",
    "BoundNode",
    "SqlCompiler",
    "bind_filter",
    "compile_filter",
    "filter_conditions",
]
