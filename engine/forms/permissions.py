"""What one user may do with the records of an entity: the definition's roles applied.

A role (``engine.definition.RoleDef``) grants, per entity, actions with a record
scope (``read``/``update``/``delete``: own, department, department and below,
all; ``create``: yes or no) and an access level per field (hidden, read,
write; a field a role does not list is ``write``). ``entity_access`` merges
the user's roles for the app into one immutable ``EntityAccess``:

* Several roles merge to the most permissive: the widest scope per action and
  the most open level per field, each independently.
* Tenant administrators (``users.is_admin``) may do everything.
* A user with no role in the app may do nothing (``AccessDenied``, 403).
* A field nobody can write through this entity (neither ``create`` nor
  ``update`` is granted, or the engine computes it) is at most ``read``.
* A field derived from one the user may not see is hidden too, because its
  value would give the hidden one away (``net = amount * (1 - discount)``
  with ``discount`` visible): formulas, lookups and roll-ups of hidden fields
  or of entities the user may not read, and link titles whose title field is
  hidden. ``engine.forms.derived_access`` walks that graph, once per (app
  version, roles).

Record scopes compile to a SQLAlchemy condition on the owner column (see
``owner_key``) with a subquery on users and departments, so a list, a count
and a single-record read or write are all restricted by the database in the
same statement. ``engine.forms.guard`` applies an access to the records
service; this module only computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Table, false, or_, select

from engine.accounts.departments import descendants_query
from engine.accounts.users import User
from engine.definition import EntityDef, EntityPermission, Scope
from engine.errors import DomainError
from engine.forms.derived_access import HiddenFields, hidden_fields
from engine.forms.errors import Label, noun_of
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField
from engine.forms.masking import NO_MASKS, FieldMasks, bind_field_masks
from engine.forms.runtime import AppRuntime, EntityRuntime
from engine.i18n import Message
from engine.store.tables import role_memberships, users

Action = Literal["read", "create", "update", "delete"]


class AccessDenied(DomainError, PermissionError):
    """The user may not do this at all (403).

    A single record outside the user's scope is "not found" instead, so that
    its existence does not leak.
    """

    status = 403
    title = "Forbidden"


class RecordScope(IntEnum):
    """Which records an action reaches, narrowest first, so ``max`` merges roles."""

    NONE = 0
    OWN = 1
    DEPARTMENT = 2
    DEPARTMENT_AND_BELOW = 3
    ALL = 4

    @classmethod
    def of(cls, value: Scope | bool) -> RecordScope:
        """The scope of a definition's ``read``/``update``/``delete`` value (``true`` = all)."""
        if value is True:
            return cls.ALL
        if value is False:
            return cls.NONE
        return cls[value.upper()]

    def to_json(self) -> str | bool:
        return False if self is RecordScope.NONE else self.name.lower()


class FieldAccess(IntEnum):
    """What a user may do with one field, most restrictive first."""

    HIDDEN = 0
    READ = 1
    WRITE = 2

    def to_json(self) -> str:
        return self.name.lower()


def owner_key(entity: EntityDef) -> str:
    """The column that says whose record it is: ``owner_field``, else the
    ``user`` field keyed ``owner``, else ``created_by``."""
    if entity.owner_field is not None:
        return entity.owner_field
    owner = next((f for f in entity.fields if f.key == "owner"), None)
    return "owner" if owner is not None and owner.type == "user" else "created_by"


@dataclass(frozen=True)
class EntityAccess:
    """One user's rights on one entity; immutable, built by ``entity_access``."""

    entity: str
    user: User
    #: The column compared with the user for the ``own``/``department`` scopes.
    owner_field: str
    read: RecordScope
    create: bool
    update: RecordScope
    delete: RecordScope
    #: Every field of the entity with its level.
    fields: Mapping[str, FieldAccess] = field(hash=False)
    #: Reference fields whose target's title is hidden from the user: their
    #: ``_display`` is left out (the id itself stays).
    hidden_titles: frozenset[str] = frozenset()
    #: The fields hidden from the user on each entity this one links to, so
    #: that a filter or sort on ``customer.credit_limit`` cannot reach them
    #: (every field of an entity the user may not read).
    linked_hidden: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    #: A tenant administrator: no condition, nothing hidden.
    unrestricted: bool = False
    #: Records read beyond the read scope (the pools the user sees): OR-ed into it.
    read_also: ColumnElement[bool] | None = field(default=None, hash=False, compare=False)
    #: Values blanked on some records for this user (a pool's hidden fields
    #: until a record is claimed), on this entity and any other (``masking``).
    masks: FieldMasks = field(default=NO_MASKS, hash=False, compare=False)
    #: The entity's label as a noun, for messages ("你无权删除客户记录"); its key without one.
    noun: Label | None = field(default=None, hash=False, compare=False)

    @cached_property
    def hidden(self) -> frozenset[str]:
        """The keys of the fields the user may not see."""
        return frozenset(k for k, level in self.fields.items() if level is FieldAccess.HIDDEN)

    def scope(self, action: Action) -> RecordScope:
        if action == "create":
            return RecordScope.ALL if self.create else RecordScope.NONE
        scope: RecordScope = getattr(self, action)
        return scope

    def allows(self, action: Action) -> bool:
        return self.scope(action) is not RecordScope.NONE

    def require(self, action: Action) -> None:
        """Raise ``AccessDenied`` unless the action is granted on some records."""
        if not self.allows(action):
            raise AccessDenied(
                Message(
                    "record.denied",
                    action=Message(f"verb.{action}"),
                    entity=self.noun or self.entity,
                )
            )

    def condition(self, action: Action, table: Table) -> ColumnElement[bool] | None:
        """The records ``action`` reaches, as a condition on the entity's table.

        ``None`` means every record. A user without a department reaches only
        their own records with the department scopes.
        """
        scope = self.scope(action)
        if scope is RecordScope.ALL:
            return None
        if scope is RecordScope.NONE:
            return false()
        within = self._scope_condition(scope, table)
        if action == "read" and self.read_also is not None:
            return or_(within, self.read_also)
        return within

    def _scope_condition(self, scope: RecordScope, table: Table) -> ColumnElement[bool]:
        owner = table.c[self.owner_field]
        department = self.user.department_id
        if scope is RecordScope.OWN or department is None:
            return owner == self.user.id
        if scope is RecordScope.DEPARTMENT:
            members = select(users.c.id).where(users.c.department_id == department)
        else:
            members = select(users.c.id).where(
                users.c.department_id.in_(descendants_query(department))
            )
        return owner.in_(members)

    def to_json(self) -> dict[str, Any]:
        """The wire shape of ``GET /api/apps/{app}/permissions`` for one entity."""
        return {
            "read": self.read.to_json(),
            "create": self.create,
            "update": self.update.to_json(),
            "delete": self.delete.to_json(),
            "owner_field": self.owner_field,
            "fields": {key: level.to_json() for key, level in self.fields.items()},
        }


@dataclass(frozen=True)
class _Grant:
    """What a set of roles grants on one entity, before it meets a user."""

    read: RecordScope
    create: bool
    update: RecordScope
    delete: RecordScope
    fields: Mapping[str, FieldAccess]
    hidden_titles: frozenset[str]
    linked_hidden: Mapping[str, frozenset[str]]


def _permissions(app: AppRuntime, roles: frozenset[str], entity_key: str) -> list[EntityPermission]:
    return [
        role.permissions[entity_key]
        for role in app.definition.roles
        if role.key in roles and entity_key in role.permissions
    ]


def _field_levels(
    entity: EntityRuntime, permissions: list[EntityPermission], writes: bool
) -> dict[str, FieldAccess]:
    levels: dict[str, FieldAccess] = {}
    for key, bound in entity.fields.items():
        level = max(
            (FieldAccess[p.fields.get(key, "write").upper()] for p in permissions),
            default=FieldAccess.HIDDEN,
        )
        if not (writes and bound.type.writable):
            level = min(level, FieldAccess.READ)
        levels[key] = level
    return levels


def _read_scope(permissions: list[EntityPermission]) -> RecordScope:
    return max((RecordScope.of(p.read) for p in permissions), default=RecordScope.NONE)


@lru_cache(maxsize=256)
def _hidden_fields(app: AppRuntime, roles: frozenset[str]) -> HiddenFields:
    """What the roles hide on every entity, derived fields included (``derived_access``).

    Cached per (app version, roles), like ``_grant``: one walk of the app's
    dependency graph serves every entity and every request of those roles.
    """
    declared: dict[str, frozenset[str]] = {}
    unreadable = set()
    for key, entity in app.entities.items():
        permissions = _permissions(app, roles, key)
        levels = _field_levels(entity, permissions, False)
        declared[key] = frozenset(k for k, level in levels.items() if level is FieldAccess.HIDDEN)
        if _read_scope(permissions) is RecordScope.NONE:
            unreadable.add(key)
    return hidden_fields(app, declared, frozenset(unreadable))


def _link_target(bound: BoundField, app: AppRuntime) -> EntityRuntime | None:
    """The entity a reference field points at (links), if it points at one."""
    if not isinstance(bound.type, References):
        return None
    target = getattr(bound.options, "target", None)
    return app.entities.get(target) if isinstance(target, str) else None


@lru_cache(maxsize=1024)
def _grant(app: AppRuntime, roles: frozenset[str], entity_key: str) -> _Grant:
    """Cached per (app version, roles, entity): every request of a role reuses it."""
    entity = app.entities[entity_key]
    permissions = _permissions(app, roles, entity_key)
    create = any(p.create for p in permissions)
    scopes = {
        action: max(
            (RecordScope.of(getattr(p, action)) for p in permissions), default=RecordScope.NONE
        )
        for action in ("read", "update", "delete")
    }
    levels = _field_levels(entity, permissions, create or scopes["update"] > RecordScope.NONE)
    derived = _hidden_fields(app, roles)
    for key in derived.own[entity_key]:
        levels[key] = FieldAccess.HIDDEN
    linked_hidden: dict[str, frozenset[str]] = {}
    hidden_titles = set()
    for key, bound in entity.fields.items():
        target = _link_target(bound, app)
        if target is None:
            continue
        linked_hidden[target.key] = derived.through_links[target.key]
        if derived.title_hidden(bound, app):
            hidden_titles.add(key)
    return _Grant(
        scopes["read"],
        create,
        scopes["update"],
        scopes["delete"],
        MappingProxyType(levels),
        frozenset(hidden_titles),
        MappingProxyType(linked_hidden),
    )


def entity_access(
    user: User, roles: Collection[str], app: AppRuntime, entity_key: str
) -> EntityAccess:
    """Merge ``user``'s roles (role keys of this app) into their access to one entity.

    Pure: reads no database. Roles the definition does not know are ignored.
    """
    entity = app.entities[entity_key]
    owner = owner_key(entity.defn)
    if user.is_admin:
        levels = {
            key: FieldAccess.WRITE if bound.type.writable else FieldAccess.READ
            for key, bound in entity.fields.items()
        }
        return EntityAccess(
            entity_key,
            user,
            owner,
            RecordScope.ALL,
            True,
            RecordScope.ALL,
            RecordScope.ALL,
            MappingProxyType(levels),
            unrestricted=True,
            noun=noun_of(entity),
        )
    grant = _grant(app, frozenset(roles), entity_key)
    return EntityAccess(
        entity_key,
        user,
        owner,
        grant.read,
        grant.create,
        grant.update,
        grant.delete,
        grant.fields,
        grant.hidden_titles,
        grant.linked_hidden,
        noun=noun_of(entity),
    )


@dataclass(frozen=True)
class AppAccess:
    """A user's access to every entity of an app."""

    app: str
    #: The user's roles in this app that its definition defines.
    roles: frozenset[str]
    unrestricted: bool
    entities: Mapping[str, EntityAccess] = field(hash=False)

    def to_json(self) -> dict[str, Any]:
        """The body of ``GET /api/apps/{app}/permissions``."""
        return {
            "app": self.app,
            "roles": sorted(self.roles),
            "admin": self.unrestricted,
            "entities": {key: access.to_json() for key, access in self.entities.items()},
        }


def roles_in_app(conn: Connection, user_id: int, app_key: str) -> frozenset[str]:
    """The keys of the roles a user holds in one app."""
    query = select(role_memberships.c.role_key).where(
        role_memberships.c.user_id == user_id, role_memberships.c.app_key == app_key
    )
    return frozenset(conn.scalars(query))


def _known_roles(conn: Connection, user: User, app: AppRuntime) -> frozenset[str]:
    """The user's roles that the app defines; ``AccessDenied`` if there are none."""
    if user.is_admin:
        return frozenset()
    defined = {role.key for role in app.definition.roles}
    roles = roles_in_app(conn, user.id, app.key) & defined
    if not roles:
        raise AccessDenied(f"you have no role in app {app.key!r}")
    return roles


#: Records a user reads beyond their roles' read scope, given the tenant's
#: connection, the app, the entity, the user and their roles
#: (``engine.actions.pool_reach``: the pools
#: they see); ``None`` when there are none. Passed in by the caller, because
#: pools belong to a higher layer than record access.
ReadAlso = Callable[[Connection, AppRuntime, str, User, frozenset[str]], ColumnElement[bool] | None]
#: Fields masked for a user on some records of an entity, given the tenant's
#: connection, the app, the entity, the user and their roles: ``{field: condition
#: where masked}``
#: (``Hooks.field_masks``: a pool's hidden fields until a record is claimed).
MaskedFields = Callable[
    [Connection, AppRuntime, str, User, frozenset[str]], Mapping[str, ColumnElement[bool]]
]


def load_entity_access(
    conn: Connection,
    user: User,
    app: AppRuntime,
    entity_key: str,
    *,
    read_also: ReadAlso | None = None,
    field_masks: MaskedFields | None = None,
) -> EntityAccess:
    """Read the user's roles and compute their access to one entity (``AccessDenied``
    when they hold no role in the app).

    ``field_masks`` is asked about every entity of the app, not only this
    one: a lookup, a roll-up or a ``customer.x`` filter reads the masked
    columns of other entities in the same statement.
    """
    roles = _known_roles(conn, user, app)
    access = entity_access(user, roles, app, entity_key)
    if access.unrestricted or not access.allows("read"):
        return access
    if field_masks is not None:
        declared = {key: field_masks(conn, app, key, user, roles) for key in app.entities}
        masks = bind_field_masks(app, declared)
        if masks:
            access = replace(access, masks=masks)
    if read_also is None:
        return access
    extra = read_also(conn, app, entity_key, user, roles)
    return access if extra is None else replace(access, read_also=extra)


def load_app_access(conn: Connection, user: User, app: AppRuntime) -> AppAccess:
    """Read the user's roles and compute their access to every entity of the app."""
    roles = _known_roles(conn, user, app)
    entities = {key: entity_access(user, roles, app, key) for key in app.entities}
    return AppAccess(app.key, roles, user.is_admin, MappingProxyType(entities))


__all__ = [
    "AccessDenied",
    "Action",
    "AppAccess",
    "EntityAccess",
    "FieldAccess",
    "MaskedFields",
    "ReadAlso",
    "RecordScope",
    "entity_access",
    "load_app_access",
    "load_entity_access",
    "owner_key",
    "roles_in_app",
]
