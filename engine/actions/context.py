"""What a running action carries: who runs it, on which app, when — passed explicitly."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from engine.accounts.users import User
from engine.expressions import EvalContext
from engine.forms import (
    NO_HOOKS,
    AccessAction,
    AccessDenied,
    AppRuntime,
    EntityAccess,
    EntityRuntime,
    Hooks,
    ReadContext,
    RecordNotFound,
    WriteContext,
    entity_access,
    record_exists,
    roles_in_app,
)
from engine.i18n import Message
from engine.tenancy import tenant_timezone


@dataclass
class ActionContext:
    """One run (or one listing) of actions in one transaction.

    ``user`` is ``None`` for the system (scheduled jobs): it may do anything
    and is audited as nobody. Everything else is a user with their roles in
    the app; a tenant administrator may do everything.
    """

    conn: Connection
    app: AppRuntime
    user: User | None
    #: The user's roles in this app that the definition defines.
    roles: frozenset[str]
    now: datetime
    #: The tenant's time zone; None until ``zone()`` first reads it from the tenant's settings.
    tz: ZoneInfo | None = None
    _access: dict[str, EntityAccess] = field(default_factory=dict, repr=False)
    #: The process's hooks, carried into every write the action makes.
    hooks: Hooks = field(default=NO_HOOKS, kw_only=True)
    #: What the audit rows of the action's writes say wrote them (``action:<key>``,
    #: ``bulk:action:<key>``, ``pool:auto_return``): ``WriteContext.via``.
    via: str | None = field(default=None, kw_only=True)

    @classmethod
    def for_user(
        cls,
        conn: Connection,
        app: AppRuntime,
        user: User,
        now: datetime,
        *,
        hooks: Hooks = NO_HOOKS,
    ) -> ActionContext:
        """Read the user's roles; ``AccessDenied`` when they hold none in the app."""
        if user.is_admin:
            return cls(conn, app, user, frozenset(), now, hooks=hooks)
        defined = {role.key for role in app.definition.roles}
        roles = roles_in_app(conn, user.id, app.key) & defined
        if not roles:
            raise AccessDenied(Message("record.no_role", app=repr(app.key)))
        return cls(conn, app, user, frozenset(roles), now, hooks=hooks)

    @classmethod
    def system(
        cls, conn: Connection, app: AppRuntime, now: datetime, *, hooks: Hooks = NO_HOOKS
    ) -> ActionContext:
        return cls(conn, app, None, frozenset(), now, hooks=hooks)

    @property
    def user_id(self) -> int | None:
        return None if self.user is None else self.user.id

    @property
    def unrestricted(self) -> bool:
        """The system or a tenant administrator: no role or scope limits them."""
        return self.user is None or self.user.is_admin

    def holds(self, roles: Collection[str], *, empty_means_all: bool = True) -> bool:
        """Whether the user holds one of ``roles`` (an empty list: ``empty_means_all``)."""
        if self.unrestricted:
            return True
        if not roles:
            return empty_means_all
        return not self.roles.isdisjoint(roles)

    def entity(self, key: str) -> EntityRuntime:
        entity = self.app.entity(key)
        if entity is None:
            raise RecordNotFound(
                Message("record.no_entity", app=repr(self.app.key), entity=repr(key))
            )
        return entity

    def access(self, entity_key: str) -> EntityAccess | None:
        """The user's access to an entity; ``None`` for the system."""
        if self.user is None:
            return None
        access = self._access.get(entity_key)
        if access is None:
            access = entity_access(self.user, self.roles, self.app, entity_key)
            self._access[entity_key] = access
        return access

    def require(self, entity_key: str, action: AccessAction) -> None:
        """``AccessDenied`` unless the user may ``action`` some records of the entity."""
        access = self.access(entity_key)
        if access is not None:
            access.require(action)

    def in_scope(self, entity: EntityRuntime, record_id: int, action: AccessAction) -> bool:
        """Whether the record is within the user's scope for ``action``."""
        access = self.access(entity.key)
        if access is None:
            return True
        if not access.allows(action):
            return False
        condition = access.condition(action, entity.table)
        if condition is None:
            return True
        return record_exists(self.read_context(entity.key), entity, record_id, scope=condition)

    def read_context(self, entity_key: str) -> ReadContext:
        return ReadContext(self.conn, self.app, entity_key)

    def write_context(self, entity_key: str) -> WriteContext:
        return WriteContext(
            self.conn,
            self.app,
            entity_key,
            self.user_id,
            self.now,
            self.tz,
            hooks=self.hooks,
            via=self.via,
        )

    def zone(self) -> ZoneInfo:
        """The tenant's time zone (``engine.tenancy.tenant_timezone``), read once."""
        if self.tz is None:
            self.tz = tenant_timezone(self.conn)
        return self.tz

    def eval_context(self) -> EvalContext:
        return EvalContext(user_id=self.user_id, now=self.now, tz=self.zone())


@dataclass(frozen=True)
class RecordState:
    """One record as an action sees it: stored values (for expressions) and ids."""

    entity: EntityRuntime
    id: int
    version: int
    #: Stored field values and system columns, as Python values (dates, Decimals).
    values: dict[str, Any]

    def wire(self, key: str) -> Any:
        """A value as the API would send it: what the records service takes as input."""
        value = self.values.get(key)
        bound = self.entity.fields.get(key)
        if bound is not None:
            return bound.type.to_json(value, bound)
        if isinstance(value, datetime):
            return value.isoformat()
        return value


__all__ = ["ActionContext", "RecordState"]
