"""Publish-time checks of actions and pools: what they may name in the definition.

``builder.validate`` calls ``check_actions`` and ``check_pools`` (in
``registry`` and ``pools``); each yields ``(JSON path, message)`` so that a
designer sees every mistake at once, with where it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import column

from engine.definition import SYSTEM_FIELDS, AppDefinition, PoolDef
from engine.expressions import ExpressionError, compile_expression
from engine.forms import BoundField, ChildRows, bind_field
from engine.registry import UnknownKeyError

Issue = tuple[str, str]

#: What the system columns hold, in field-type terms (for copies and checks).
SYSTEM_TYPES = {
    "id": "number",
    "version": "number",
    "created_at": "datetime",
    "updated_at": "datetime",
    "created_by": "user",
    "updated_by": "user",
}


@dataclass(frozen=True)
class EntityFields:
    """An entity's fields bound to their types, at definition time."""

    key: str
    fields: dict[str, BoundField]

    @property
    def names(self) -> frozenset[str]:
        """What an expression over one of its records may read: stored fields and system columns."""
        stored = {k for k, b in self.fields.items() if b.type.stored}
        return frozenset(stored | set(SYSTEM_FIELDS))

    def writable(self, key: str) -> str | None:
        """Why an action cannot write ``key``, or None when it can."""
        bound = self.fields.get(key)
        if bound is None:
            return f"unknown field {key!r} of {self.key}"
        if not bound.type.writable:
            return f"{self.key}.{key} is computed and cannot be written"
        return None

    def readable(self, key: str) -> str | None:
        """Why an action cannot read ``key`` from a record, or None when it can."""
        if key in SYSTEM_FIELDS:
            return None
        bound = self.fields.get(key)
        if bound is None:
            return f"unknown field {key!r} of {self.key}"
        if isinstance(bound.type, ChildRows):
            return f"{self.key}.{key} holds rows, which actions do not copy or read"
        if not bound.type.stored:
            return f"{self.key}.{key} is computed when read and cannot be used here"
        return None

    def type_of(self, key: str) -> str:
        bound = self.fields.get(key)
        return bound.defn.type if bound is not None else SYSTEM_TYPES[key]


@dataclass
class CheckContext:
    """The definition being checked, with its entities' fields bound once."""

    app: AppDefinition
    _entities: dict[str, EntityFields | None] = field(default_factory=dict)

    def entity(self, key: str) -> EntityFields | None:
        """The entity's fields; fields that do not bind are left out (reported elsewhere)."""
        if key not in self._entities:
            defn = self.app.entity(key)
            if defn is None:
                self._entities[key] = None
            else:
                bound: dict[str, BoundField] = {}
                for f in defn.fields:
                    try:
                        bound[f.key] = bind_field(f)
                    except (UnknownKeyError, ValidationError):
                        continue
                self._entities[key] = EntityFields(key, bound)
        return self._entities[key]

    @property
    def role_keys(self) -> frozenset[str]:
        return frozenset(r.key for r in self.app.roles)

    def pool(self, key: str) -> PoolDef | None:
        return self.app.pool(key)


def check_roles(roles: Collection[str], ctx: CheckContext, path: str) -> Iterator[Issue]:
    known = ctx.role_keys
    for i, role in enumerate(roles):
        if role not in known:
            yield f"{path}[{i}]", f"unknown role {role!r}"


def check_condition(
    source: str | None, entity: EntityFields, path: str, *, sql: bool = False
) -> Iterator[Issue]:
    """An expression over one record; with ``sql`` it must also translate to SQL."""
    if source is None:
        return
    try:
        expression = compile_expression(source, names=entity.names)
        if sql:
            expression.to_sql({name: column(name) for name in entity.names})
    except ExpressionError as err:
        yield path, err.message


def check_inputs(keys: Collection[str], entity: EntityFields, path: str) -> Iterator[Issue]:
    for i, key in enumerate(keys):
        problem = entity.writable(key)
        if problem is not None:
            yield f"{path}[{i}]", problem


__all__ = [
    "SYSTEM_TYPES",
    "CheckContext",
    "EntityFields",
    "Issue",
    "check_condition",
    "check_inputs",
    "check_roles",
]
