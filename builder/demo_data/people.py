"""The demo organisation: departments with heads, people with managers and roles.

Merges into what the tenant already has: a department or a user that exists
under the same name is reused as it is (``formwork demo`` creates some of the
same people), missing ones are created and missing role grants are added.
Every new demo user gets the same password, hashed once: hashing is the
slow part of creating people (≈ 0.1 s each with production parameters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from engine.accounts.departments import set_head
from engine.accounts.passwords import Passwords
from engine.accounts.users import create_department, create_user, grant_role
from engine.store.tables import departments, role_memberships, users


@dataclass(frozen=True)
class DepartmentSpec:
    key: str
    name: str
    parent: str | None
    #: User name of the head.
    head: str


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    email: str
    department: str
    manager: str | None
    #: Role keys in the app.
    roles: tuple[str, ...]
    is_admin: bool = False


@dataclass(frozen=True)
class Organisation:
    departments: tuple[DepartmentSpec, ...]
    users: tuple[UserSpec, ...]


@dataclass(frozen=True)
class OrganisationIds:
    """Database ids of the organisation's users (by user name) and departments (by key)."""

    users: Mapping[str, int]
    departments: Mapping[str, int]


def set_up_organisation(
    conn: Connection, passwords: Passwords, org: Organisation, app_key: str, password: str
) -> OrganisationIds:
    """Create what is missing of ``org``; returns the ids of its users and departments."""
    department_ids: dict[str, int] = {}
    for spec in org.departments:
        existing = conn.scalar(select(departments.c.id).where(departments.c.name == spec.name))
        if existing is None:
            parent = department_ids.get(spec.parent) if spec.parent else None
            existing = create_department(conn, spec.name, parent_id=parent)
        department_ids[spec.key] = int(existing)
    user_ids: dict[str, int] = {}
    password_hash: str | None = None
    for person in org.users:
        found = conn.scalar(select(users.c.id).where(users.c.username == person.username))
        if found is None:
            user = create_user(
                conn,
                passwords,
                person.username,
                None,
                person.display_name,
                is_admin=person.is_admin,
                department_id=department_ids[person.department],
                manager_id=user_ids.get(person.manager or ""),
                email=person.email,
            )
            password_hash = password_hash or passwords.hash(password)
            conn.execute(
                update(users).where(users.c.id == user.id).values(password_hash=password_hash)
            )
            found = user.id
        user_ids[person.username] = int(found)
        granted = set(
            conn.scalars(
                select(role_memberships.c.role_key).where(
                    role_memberships.c.user_id == found, role_memberships.c.app_key == app_key
                )
            )
        )
        for role in person.roles:
            if role not in granted:
                grant_role(conn, int(found), app_key, role)
    for spec in org.departments:
        head = conn.scalar(
            select(departments.c.head_id).where(departments.c.id == department_ids[spec.key])
        )
        if head is None:
            set_head(conn, department_ids[spec.key], user_ids[spec.head])
    return OrganisationIds(user_ids, department_ids)
