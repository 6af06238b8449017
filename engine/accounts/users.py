"""Users and departments of one tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

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


def user_from_row(row: Any) -> User:
    """A ``User`` from any row that carries the user columns."""
    return User(
        row.id, row.username, row.display_name, row.is_admin, row.department_id, row.manager_id
    )


_user = user_from_row


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


@dataclass(frozen=True)
class LoginCandidate:
    """An active user found by name, with the hash their password must match."""

    user: User
    password_hash: str | None


def find_login(conn: Connection, username: str) -> LoginCandidate | None:
    """The active user called ``username``, or None. Reads only: the caller
    checks the password after the transaction ends (hashing is slow)."""
    row = conn.execute(select(users).where(users.c.username == username, users.c.is_active)).first()
    return None if row is None else LoginCandidate(_user(row), row.password_hash)


def check_password(passwords: Passwords, candidate: LoginCandidate | None, password: str) -> bool:
    """Whether ``password`` is the candidate's; the same work when there is no
    candidate, so response time does not reveal user names."""
    if candidate is None or candidate.password_hash is None:
        passwords.verify(_DUMMY_HASH.get(passwords), password)
        return False
    return passwords.verify(candidate.password_hash, password)


def authenticate(
    conn: Connection, passwords: Passwords, username: str, password: str
) -> User | None:
    """The user when ``password`` is right (a check without throttling, for tools)."""
    candidate = find_login(conn, username)
    matches = check_password(passwords, candidate, password)  # dummy work when None
    if candidate is None or not matches:
        return None
    return candidate.user


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


def user_id_by_name(conn: Connection, username: str) -> int | None:
    """The id of the user called ``username`` (active or not), for audit entries."""
    found = conn.scalar(select(users.c.id).where(users.c.username == username))
    return None if found is None else int(found)


def set_user_active(conn: Connection, user_id: int, active: bool) -> bool:
    """Activate or deactivate a user; False when there is no such user.

    Deactivating does not by itself end the user's sessions and tokens; the
    caller revokes them in the same transaction (``deactivate_user``)."""
    result = conn.execute(update(users).where(users.c.id == user_id).values(is_active=active))
    return result.rowcount > 0
