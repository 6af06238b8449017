"""Names back to ids for an import: users, departments and linked records.

People and departments are few: loaded once. Linked records are looked up by
title in one query per column (in chunks), within the importer's read scope
of the target entity, so a title only matches records the importer could
have picked in the form. A reference may also be written as an id (``12`` or
``#12``, as the export writes a record without a title); the records service
then checks that it exists, as for any create.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import AppRuntime
from engine.store.tables import departments, users

CHUNK = 500
ID_TEXT = "#"


def _id_of(text: str) -> int | None:
    digits = text.removeprefix(ID_TEXT).strip()
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def _index(pairs: Iterable[tuple[Any, Any]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for key, name in pairs:
        if name is not None:
            found.setdefault(str(name).strip().casefold(), []).append(int(key))
    return found


#: The read scope of an entity for the importer (None: every record; ``False``: the
#: user may not read it, so titles match nothing) and whether its title is visible.
TargetScope = Callable[[str], tuple[ColumnElement[bool] | None, bool]]


@dataclass
class Lookups:
    conn: Connection
    app: AppRuntime
    target_scope: TargetScope
    _users: dict[str, list[int]] | None = None
    _usernames: dict[str, int] | None = None
    _departments: dict[str, list[int]] | None = None
    _titles: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    # -- people and departments --------------------------------------------
    def _load_users(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        if self._usernames is None or self._users is None:
            rows = self.conn.execute(
                select(users.c.id, users.c.username, users.c.display_name).where(users.c.is_active)
            ).all()
            self._usernames = {row.username: row.id for row in rows}
            self._users = _index((row.id, row.display_name) for row in rows)
        return self._usernames, self._users

    def user(self, text: str) -> int:
        usernames, names = self._load_users()
        name = text.strip()
        if name in usernames:  # usernames are unique; display names may not be
            return usernames[name]
        found = names.get(name.casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise FieldInvalid(f"{len(found)} users are named {text!r}: write the username instead")
        raise FieldInvalid(f"there is no active user named {text!r}")

    def department(self, text: str) -> int:
        if self._departments is None:
            rows = self.conn.execute(select(departments.c.id, departments.c.name))
            self._departments = _index((row.id, row.name) for row in rows)
        found = self._departments.get(text.strip().casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise FieldInvalid(f"{len(found)} departments are named {text!r}")
        identifier = _id_of(text)
        if identifier is not None:
            return identifier
        raise FieldInvalid(f"there is no department named {text!r}")

    # -- linked records -----------------------------------------------------
    def prepare_titles(self, bound: BoundField, texts: set[str]) -> None:
        """Look up the titles a column names, one query per chunk of titles."""
        target = self.app.entities[bound.options.target]
        found = self._titles.setdefault(bound.key, {})
        scope, title_visible = self.target_scope(target.key)
        if target.title_field is None or not title_visible or not texts:
            return
        column = target.table.c[target.title_field]
        names = sorted(texts)
        for start in range(0, len(names), CHUNK):
            statement = select(target.table.c.id, column).where(
                column.in_(names[start : start + CHUNK]), target.table.c.deleted_at.is_(None)
            )
            if scope is not None:
                statement = statement.where(scope)
            for key, ids in _index(tuple(row) for row in self.conn.execute(statement)).items():
                found.setdefault(key, []).extend(ids)

    def record(self, bound: BoundField, text: str) -> int:
        target = bound.options.target
        found = self._titles.get(bound.key, {}).get(text.strip().casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise FieldInvalid(
                f"{len(found)} {target} records are titled {text!r}: write the id instead"
            )
        identifier = _id_of(text)
        if identifier is not None:
            return identifier
        raise FieldInvalid(f"there is no {target} titled {text!r}")

    def resolve(self, bound: BoundField, text: str) -> int:
        """The id a reference cell names (``engine.forms.transfer.cells.Resolve``)."""
        kind = bound.type.key
        if kind in ("user", "users"):
            return self.user(text)
        if kind == "department":
            return self.department(text)
        return self.record(bound, text)


__all__ = ["Lookups", "TargetScope"]
