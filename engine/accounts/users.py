"""Users and departments of one tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.accounts.passwords import Passwords
from engine.store.tables import departments, role_memberships, users


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    is_admin: bool
    department_id: int | None
    manager_id: int | None

    def as_json(self, roles: list[str] | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "is_admin": self.is_admin,
            "department_id": self.department_id,
            "manager_id": self.manager_id,
            "roles": roles or [],
        }


class UserExists(ValueError):
    pass


def _user(row: Any) -> User:
    return User(
        row.id, row.username, row.display_name, row.is_admin, row.department_id, row.manager_id
    )


def create_department(conn: Connection, name: str, parent_id: int | None = None) -> int:
    return int(
        conn.execute(
            insert(departments).values(name=name, parent_id=parent_id)
        ).inserted_primary_key[0]  # type: ignore[index]
    )


def list_departments(conn: Connection) -> list[dict[str, Any]]:
    """Every department of the tenant as ``{id, name, parent_id}``, ids ascending."""
    rows = conn.execute(
        select(departments.c.id, departments.c.name, departments.c.parent_id).order_by(
            departments.c.id
        )
    )
    return [{"id": row.id, "name": row.name, "parent_id": row.parent_id} for row in rows]


def create_user(
    conn: Connection,
    passwords: Passwords,
    username: str,
    password: str | None,
    display_name: str | None = None,
    *,
    is_admin: bool = False,
    department_id: int | None = None,
    manager_id: int | None = None,
    email: str | None = None,
) -> User:
    if conn.scalar(select(users.c.id).where(users.c.username == username)) is not None:
        raise UserExists(f"user {username!r} already exists")
    user_id = conn.execute(
        insert(users).values(
            username=username,
            display_name=display_name or username,
            email=email,
            password_hash=passwords.hash(password) if password else None,
            department_id=department_id,
            manager_id=manager_id,
            is_admin=is_admin,
            is_active=True,
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return User(
        int(user_id), username, display_name or username, is_admin, department_id, manager_id
    )


def authenticate(
    conn: Connection, passwords: Passwords, username: str, password: str
) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username, users.c.is_active)).first()
    if row is None or row.password_hash is None:
        # Same work as a real check, so response time does not reveal user names.
        passwords.verify(_DUMMY_HASH.get(passwords), password)
        return None
    if not passwords.verify(row.password_hash, password):
        return None
    return _user(row)


class _DummyHashes:
    def __init__(self) -> None:
        self._hashes: dict[int, str] = {}

    def get(self, passwords: Passwords) -> str:
        key = id(passwords)
        if key not in self._hashes:
            self._hashes[key] = passwords.hash("not a password")
        return self._hashes[key]


_DUMMY_HASH = _DummyHashes()


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id, users.c.is_active)).first()
    return None if row is None else _user(row)


def list_users(conn: Connection) -> list[User]:
    rows = conn.execute(select(users).where(users.c.is_active).order_by(users.c.id))
    return [_user(row) for row in rows]


def user_roles(conn: Connection, user_id: int) -> list[str]:
    rows = conn.execute(
        select(role_memberships.c.app_key, role_memberships.c.role_key).where(
            role_memberships.c.user_id == user_id
        )
    )
    return [f"{row.app_key}:{row.role_key}" for row in rows]


def grant_role(conn: Connection, user_id: int, app_key: str, role_key: str) -> None:
    conn.execute(
        insert(role_memberships).values(user_id=user_id, app_key=app_key, role_key=role_key)
    )
