"""Who may read an uploaded file: whoever may read a record and a field that holds it.

A file has no permissions of its own. It is readable by a user when

* some record of a published app holds it in an attachment or image field,
  the user's read scope reaches that record (``EntityAccess.condition``, the
  same condition the records endpoints apply, pools included) and the field is
  not hidden from them. A record in the recycle bin counts for those whose read
  scope reaches it there, as its recycle-bin listing does;
* or no record holds it yet and the user uploaded it (it was just uploaded
  into a form that is not saved yet);
* or the user is a tenant administrator (who may read every record anyway).

Scopes and field levels come from ``engine.forms.permissions``; this module
only asks them, it has no rules of its own. Everything else is "not found",
so a file id does not tell whether the file exists.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, exists, func, literal, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB

from engine.accounts.users import User
from engine.files.ids import valid_file_id
from engine.forms import (
    AccessDenied,
    AppRuntime,
    AttachmentType,
    BoundField,
    EntityRuntime,
    FieldAccess,
    ReadAlso,
    load_entity_access,
)
from engine.store.tables import files


@dataclass(frozen=True)
class StoredFile:
    """A file's descriptor (the ``files`` row)."""

    id: str
    name: str
    size: int
    content_type: str
    storage_key: str
    created_by: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
        }


def find_file(conn: Connection, file_id: str) -> StoredFile | None:
    """The descriptor of ``file_id`` in this tenant; ``None`` for any other text."""
    if not valid_file_id(file_id):
        return None
    row = conn.execute(
        select(
            files.c.id,
            files.c.name,
            files.c.size,
            files.c.content_type,
            files.c.storage_key,
            files.c.created_by,
        ).where(files.c.id == file_id)
    ).first()
    return None if row is None else StoredFile(**row._mapping)


@dataclass(frozen=True, eq=False)
class _FileFields:
    entity: EntityRuntime
    fields: tuple[BoundField, ...]


@lru_cache(maxsize=256)
def _file_fields(app: AppRuntime) -> tuple[_FileFields, ...]:
    """The entities of an app with the fields that hold files (per runtime, so per version).

    Sub-tables cannot hold files (their ``in_subtable`` is False), so only an
    entity's own fields are looked at.
    """
    found = []
    for entity in app.entities.values():
        holding = tuple(f for f in entity.stored if isinstance(f.type, AttachmentType))
        if holding:
            found.append(_FileFields(entity, holding))
    return tuple(found)


def holds_file(column: Column[Any], file_id: str, dialect: str) -> ColumnElement[bool]:
    """Whether an attachment column (a JSON list of ``{id, …}``) lists ``file_id``.

    Exact on the ``id`` key, never a text match: a file named like another
    file's id must not count as holding it.
    """
    if dialect == "postgresql":
        wanted = sql_cast(literal(f'[{{"id": "{file_id}"}}]'), JSONB)
        return column.op("@>")(wanted)
    items = func.json_each(column).table_valued("value", joins_implicitly=True)
    return exists(
        select(literal(1))
        .select_from(items)
        .where(func.json_extract(items.c.value, "$.id") == file_id)
    )


def _held(
    conn: Connection,
    holder: _FileFields,
    fields: Iterable[BoundField],
    file_id: str,
    scope: ColumnElement[bool] | None,
) -> bool:
    table = holder.entity.table
    dialect = conn.dialect.name
    conditions = [holds_file(table.c[f.key], file_id, dialect) for f in fields]
    if not conditions:
        return False
    query = select(table.c.id).where(or_(*conditions)).limit(1)
    if scope is not None:
        query = query.where(scope)
    return conn.execute(query).first() is not None


def held_by_any_record(conn: Connection, runtimes: Iterable[AppRuntime], file_id: str) -> bool:
    """Whether any record (live or in the recycle bin) of any app holds the file."""
    for app in runtimes:
        for holder in _file_fields(app):
            if _held(conn, holder, holder.fields, file_id, None):
                return True
    return False


def may_read_file(
    conn: Connection,
    user: User,
    file: StoredFile,
    runtimes: Iterable[AppRuntime],
    *,
    read_also: ReadAlso | None = None,
) -> bool:
    """Whether ``user`` may read ``file`` (see the module's docstring for the rule).

    ``runtimes`` are the published apps of the file's tenant; ``read_also``
    widens read scopes as the records endpoints do (pools).
    """
    if user.is_admin:
        return True
    runtimes = list(runtimes)
    for app in runtimes:
        for holder in _file_fields(app):
            try:
                access = load_entity_access(conn, user, app, holder.entity.key, read_also=read_also)
            except AccessDenied:
                break  # no role in this app: none of its records are readable
            if not access.allows("read"):
                continue
            visible = [
                f for f in holder.fields if access.fields.get(f.key) is not FieldAccess.HIDDEN
            ]
            scope = access.condition("read", holder.entity.table)
            if _held(conn, holder, visible, file.id, scope):
                return True
    return file.created_by == user.id and not held_by_any_record(conn, runtimes, file.id)


def unattachable(
    conn: Connection,
    user: User,
    app: AppRuntime,
    file_ids: Collection[str],
    *,
    held: Collection[str] = (),
    read_also: ReadAlso | None = None,
) -> set[str]:
    """Those of ``file_ids`` that ``user`` may not put into a record of ``app``.

    A record's file is readable by whoever reads the record (``may_read_file``),
    so writing a file id into a record must not be a way to read a file: a
    user attaches only files they uploaded, files already ``held`` by the
    record they change, and files they may read through a record of ``app``
    (a visible field of a record in their read scope). Any other well-formed
    id, existing or not, is refused alike, so the answer does not tell
    whether it exists.
    """
    # A malformed id never reaches a query: the field's own check names it.
    wanted = {i for i in file_ids if i not in held and valid_file_id(i)}
    if user.is_admin or not wanted:
        return set()
    uploaded = select(files.c.id).where(
        files.c.id.in_(sorted(wanted)), files.c.created_by == user.id
    )
    pending = wanted - set(conn.scalars(uploaded))
    for holder in _file_fields(app):
        if not pending:
            break
        try:
            access = load_entity_access(conn, user, app, holder.entity.key, read_also=read_also)
        except AccessDenied:
            return pending
        if not access.allows("read"):
            continue
        visible = [f for f in holder.fields if access.fields.get(f.key) is not FieldAccess.HIDDEN]
        scope = access.condition("read", holder.entity.table)
        pending = {i for i in pending if not _held(conn, holder, visible, i, scope)}
    return pending


__all__ = [
    "StoredFile",
    "find_file",
    "held_by_any_record",
    "holds_file",
    "may_read_file",
    "unattachable",
]
