"""Names back to ids for an import: users, departments and linked records.

People and departments are few: loaded once. Linked records are looked up by
title in one query per column (in chunks), within the importer's read scope
of the target entity, so a title only matches records the importer could
have picked in the form. A reference may also be written as an id (``12`` or
``#12``, as the export writes a record without a title); the records service
then checks that it exists, as for any create.

``load`` reads everything a file's columns name in one read transaction, so
the slow part of an import — turning every cell into a value — then runs
with no connection at all (``conn`` is dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, select

from engine.forms.errors import FieldInvalid, noun_of
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import AppRuntime
from engine.forms.transfer.cells import kind_of
from engine.i18n import Message
from engine.store.tables import departments, users
from engine.tenancy import DEFAULT_TIMEZONE, tenant_timezone, zone

CHUNK = 500
ID_TEXT = "#"


def id_of(text: str) -> int | None:
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


class _Column(Protocol):
    @property
    def bound(self) -> BoundField: ...


@dataclass
class Lookups:
    #: None once ``load`` has read what the import needs.
    conn: Connection | None
    app: AppRuntime
    target_scope: TargetScope
    _users: dict[str, list[int]] | None = None
    _usernames: dict[str, int] | None = None
    _departments: dict[str, list[int]] | None = None
    _titles: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    #: The tenant's time zone, read by ``load``: date-times without an offset are in it.
    tz: ZoneInfo = field(default_factory=lambda: zone(DEFAULT_TIMEZONE))

    def load(self, columns: Sequence[_Column], titles: Mapping[str, set[str]]) -> None:
        """Read every user, department and linked title ``columns`` may name, then let
        go of the connection: resolving afterwards needs no database.

        ``titles`` maps a link column's field key to the titles it holds.
        """
        self.tz = tenant_timezone(self._connection())
        kinds = {kind_of(column.bound) for column in columns}
        if kinds & {"user", "users"}:
            self._load_users()
        if "department" in kinds:
            self._load_departments()
        for column in columns:
            if column.bound.key in titles:
                self.prepare_titles(column.bound, titles[column.bound.key])
        self.conn = None

    def _connection(self) -> Connection:
        if self.conn is None:
            raise RuntimeError("Lookups.load did not read what this column needs")
        return self.conn

    # -- people and departments --------------------------------------------
    def _load_users(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        if self._usernames is None or self._users is None:
            rows = (
                self._connection()
                .execute(
                    select(users.c.id, users.c.username, users.c.display_name).where(
                        users.c.is_active
                    )
                )
                .all()
            )
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
            raise FieldInvalid(Message("import.users_named", count=len(found), name=repr(text)))
        raise FieldInvalid(Message("import.no_user_named", name=repr(text)))

    def _load_departments(self) -> dict[str, list[int]]:
        if self._departments is None:
            rows = self._connection().execute(select(departments.c.id, departments.c.name))
            self._departments = _index((row.id, row.name) for row in rows)
        return self._departments

    def department(self, text: str) -> int:
        found = self._load_departments().get(text.strip().casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise FieldInvalid(
                Message("import.departments_named", count=len(found), name=repr(text))
            )
        identifier = id_of(text)
        if identifier is not None:
            return identifier
        raise FieldInvalid(Message("import.no_department_named", name=repr(text)))

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
            rows = self._connection().execute(statement)
            for key, ids in _index(tuple(row) for row in rows).items():
                found.setdefault(key, []).extend(ids)

    def record(self, bound: BoundField, text: str) -> int:
        found = self._titles.get(bound.key, {}).get(text.strip().casefold(), [])
        if len(found) == 1:
            return found[0]
        target = noun_of(self.app.entities[bound.options.target])  # for the messages only
        if found:
            raise FieldInvalid(
                Message("import.records_titled", count=len(found), entity=target, title=repr(text))
            )
        identifier = id_of(text)
        if identifier is not None:
            return identifier
        raise FieldInvalid(Message("import.no_record_titled", entity=target, title=repr(text)))

    def names_only(self, bound: BoundField, text: str, record_id: int) -> bool:
        """Whether ``text`` (looked up by ``prepare_titles``) names ``record_id`` and
        nothing else the importer may read: an export then writes the title, which
        will import back as that record."""
        return self._titles.get(bound.key, {}).get(text.strip().casefold()) == [record_id]

    def resolve(self, bound: BoundField, text: str) -> int:
        """The id a reference cell names (``engine.forms.transfer.cells.Resolve``)."""
        kind = bound.type.key
        if kind in ("user", "users"):
            return self.user(text)
        if kind == "department":
            return self.department(text)
        return self.record(bound, text)


__all__ = ["Lookups", "TargetScope"]
