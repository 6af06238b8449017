"""Who an effect addresses: users, fields holding users or addresses, roles,
departments, "the manager of" a user field, and literal addresses.

``Recipients`` is the definition's ``to`` object; ``users_of(run, to)`` are
the active users it names for one record (in-app notifications, and the
users whose email an ``email`` effect uses), ``addresses_of(run, to, kind)``
the email addresses or phone numbers for one record. People no longer active
are never addressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection, select

from engine.accounts.departments import manager_chain
from engine.definition import Key
from engine.forms import AppRuntime, EntityRuntime
from engine.rules.base import CheckContext, Issue, RuleRun, Settings
from engine.store.tables import departments, role_memberships, users

#: Field types whose values are users.
USER_TYPES = frozenset({"user", "users"})
#: Field types whose values are addresses, by what they address.
ADDRESS_TYPES = {"email": frozenset({"email", "text"}), "phone": frozenset({"phone", "text"})}
AddressKind = Literal["email", "phone"]


class Recipients(Settings):
    #: Usernames.
    users: list[str] = Field(default_factory=list, max_length=100)
    #: Fields of the record: ``user``/``users`` fields (those people), or
    #: email/phone fields (those addresses, for email and SMS).
    fields: list[Key] = Field(default_factory=list, max_length=20)
    #: Everyone holding one of these roles of the app.
    roles: list[Key] = Field(default_factory=list, max_length=20)
    #: Everyone in these departments (by name).
    departments: list[str] = Field(default_factory=list, max_length=20)
    #: The managers of the users in these user fields…
    managers_of: list[Key] = Field(default_factory=list, max_length=10)
    #: …this many levels up the manager chain (1: the direct manager).
    manager_levels: int = Field(default=1, ge=1, le=5)
    #: Literal email addresses or phone numbers.
    addresses: list[str] = Field(default_factory=list, max_length=100)

    def is_empty(self) -> bool:
        return not (
            self.users
            or self.fields
            or self.roles
            or self.departments
            or self.managers_of
            or self.addresses
        )


def check_recipients(
    to: Recipients, cc: CheckContext, path: str, kind: AddressKind | None
) -> Iterator[Issue]:
    """Fields that exist and hold people (or, for email/SMS, addresses), roles of the app."""
    if to.is_empty():
        yield path, "names nobody: give users, fields, roles, departments, managers_of or addresses"
    entity = cc.entity
    for i, key in enumerate(to.fields):
        bound = entity.fields.get(key)
        where = f"{path}.fields[{i}]"
        if bound is None:
            yield where, f"unknown field {key!r} of {entity.key}"
            continue
        allowed = USER_TYPES | (ADDRESS_TYPES[kind] if kind else frozenset())
        shown = _looked_up(cc.app, entity, key)
        if kind is not None and shown in ADDRESS_TYPES[kind]:
            continue
        if bound.defn.type not in allowed:
            wants = "users" if kind is None else f"users or {kind} addresses"
            yield where, f"{entity.key}.{key} ({bound.defn.type}) does not hold {wants}"
    for i, key in enumerate(to.managers_of):
        bound = entity.fields.get(key)
        where = f"{path}.managers_of[{i}]"
        if key in ("created_by", "updated_by"):
            continue
        if bound is None or bound.defn.type not in USER_TYPES:
            yield where, f"{key!r} is not a user field of {entity.key}"
    known_roles = {role.key for role in cc.app.definition.roles}
    for i, role in enumerate(to.roles):
        if role not in known_roles:
            yield f"{path}.roles[{i}]", f"unknown role {role!r}"
    if kind is None and to.addresses:
        yield f"{path}.addresses", "in-app notifications go to users, not to addresses"


def _looked_up(app: AppRuntime, entity: EntityRuntime, key: str) -> str | None:
    """The type of the field a ``lookup`` field shows (the contact's ``mobile``: phone)."""
    bound = entity.fields.get(key)
    if bound is None or bound.defn.type != "lookup":
        return None
    link = entity.fields.get(bound.options.link)
    target = app.entities.get(getattr(link.options, "target", "")) if link else None
    shown = target.fields.get(bound.options.field) if target else None
    return shown.defn.type if shown else None


def _user_ids(value: Any) -> list[int]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _active(conn: Connection, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    rows = conn.execute(
        select(users.c.id).where(users.c.id.in_(wanted), users.c.is_active.is_(True))
    )
    return {row.id for row in rows}


def users_of(run: RuleRun, to: Recipients) -> list[int]:
    """The active users ``to`` names for this run's record, in a stable order."""
    conn = run.ctx.conn
    found: set[int] = set()
    if to.users:
        rows = conn.execute(select(users.c.id).where(users.c.username.in_(to.users)))
        found.update(row.id for row in rows)
    for key in to.fields:
        bound = run.entity.fields.get(key)
        if bound is not None and bound.defn.type in USER_TYPES:
            found.update(_user_ids(run.values.get(key)))
    if to.roles:
        rows = conn.execute(
            select(role_memberships.c.user_id).where(
                role_memberships.c.app_key == run.ctx.app.key,
                role_memberships.c.role_key.in_(to.roles),
            )
        )
        found.update(row.user_id for row in rows)
    if to.departments:
        rows = conn.execute(
            select(users.c.id)
            .join(departments, departments.c.id == users.c.department_id)
            .where(departments.c.name.in_(to.departments))
        )
        found.update(row.id for row in rows)
    for key in to.managers_of:
        for person in _user_ids(run.values.get(key)):
            found.update(manager_chain(conn, person)[: to.manager_levels])
    return sorted(_active(conn, found))


def _holds_users(entity: EntityRuntime, key: str) -> bool:
    bound = entity.fields.get(key)
    return bound is not None and bound.defn.type in USER_TYPES


def addresses_of(run: RuleRun, to: Recipients, kind: AddressKind) -> list[str]:
    """Email addresses (or phone numbers) for this run's record, without repeats."""
    found: list[str] = []
    names_people = (
        to.users
        or to.roles
        or to.departments
        or to.managers_of
        or any(_holds_users(run.entity, key) for key in to.fields)
    )
    # Only fields and literal addresses (a welcome email to the lead's own
    # address): no person to look up, no query per record.
    people = users_of(run, to) if names_people else []
    if people and kind == "email":
        rows = run.ctx.conn.execute(
            select(users.c.email)
            .where(users.c.id.in_(people), users.c.email.is_not(None))
            .order_by(users.c.id)
        )
        found.extend(row.email for row in rows)
    looked_up = [
        k for k in to.fields if _looked_up(run.ctx.app, run.entity, k) in ADDRESS_TYPES[kind]
    ]
    shown = dict(run.values)
    if looked_up and run.record_id is not None:
        # A lookup (the contract's contact's mobile) is read through its link now.
        from engine.rules.subscriber import query_time_values

        values = query_time_values(run.ctx, run.entity, [run.record_id], looked_up)
        shown.update(values.get(run.record_id, {}))
    for key in to.fields:
        bound = run.entity.fields.get(key)
        if bound is not None and (bound.defn.type in ADDRESS_TYPES[kind] or key in looked_up):
            value = shown.get(key)
            if isinstance(value, str) and value.strip():
                found.append(value.strip())
    found.extend(a.strip() for a in to.addresses if a.strip())
    return list(dict.fromkeys(found))


__all__ = ["Recipients", "addresses_of", "check_recipients", "users_of"]
