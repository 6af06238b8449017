"""Reading and writing records of one entity: the lifecycle of design.md.

validate → compute → write row → write child rows → audit, all on the
caller's connection inside the caller's transaction. This module never
commits: the caller's unit of work does, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy import delete as sql_delete
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import NullType

from engine.definition import ENTITY_COLUMNS, SYSTEM_FIELDS
from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import (
    Conflict,
    FieldError,
    QueryInvalid,
    RecordInvalid,
    RecordNotFound,
    StaleVersion,
    label_of,
    noun_of,
)
from engine.forms.events import (
    RecordDeleted,
    RecordPurged,
    RecordRestored,
    RecordsCreated,
    RecordUpdated,
    changed_by_causes,
    emit,
)
from engine.forms.field_types.abilities import (
    ChildRows,
    Generated,
    QueryTime,
    References,
    ability,
)
from engine.forms.field_types.base import BoundField, FieldType
from engine.forms.field_types.subtable import SubtableType, sub_fields
from engine.forms.filters import (
    FilterNode,
    LinkedView,
    equality_conditions,
    filter_conditions,
    order_by,
    search_condition,
)
from engine.forms.holders import Readable, readable_holders, unique_message
from engine.forms.hooks import PendingWrite, WriteKind
from engine.forms.input_rules import InputRules
from engine.forms.masking import NO_MASKS, FieldMasks
from engine.forms.runtime import EntityRuntime
from engine.forms.validation import resolve_references, validate_values
from engine.i18n import Message
from engine.store.bulk import insert_many, next_ids
from engine.store.tables import audit_log, users
from engine.store.types import pg_text_array
from engine.tenancy import tenant_timezone

MAX_PAGE_SIZE = 500
#: Pages beyond this are refused: the offset stays far below a 64-bit integer
#: (PostgreSQL and SQLite bind it as one) and no request asks the database to
#: skip more than MAX_PAGE * MAX_PAGE_SIZE rows.
MAX_PAGE = 1_000_000
#: Linking records counted in a "still linked" refusal; beyond, "more than …".
LINKS_COUNTED = 1000


def _json_scalar(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record_json(entity: EntityRuntime, row: Mapping[Any, Any]) -> dict[str, Any]:
    """The API shape of one stored row (child rows and titles are added by callers)."""
    record = {key: _json_scalar(row[key]) for key in SYSTEM_FIELDS}
    for key, bound in entity.fields.items():
        if key in row:
            record[key] = bound.type.to_json(row[key], bound)
    return record


def _audit_values(entity: EntityRuntime, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: entity.fields[key].type.to_json(value, entity.fields[key])
        for key, value in values.items()
    }


# -- reading ------------------------------------------------------------------
@dataclass
class ListQuery:
    page: int = 1
    page_size: int = 20
    sort: list[str] = field(default_factory=list)
    #: ``?field=value`` query parameters: one equality each.
    filters: dict[str, str] = field(default_factory=dict)
    #: The ``filter`` parameter, parsed (``engine.forms.filters.parse_filter``).
    filter: FilterNode | None = None
    q: str | None = None
    with_total: bool = True
    #: List the recycle bin (soft-deleted records) instead of the live records.
    deleted: bool = False


def _selectable(entity: EntityRuntime, ctx: ReadContext) -> dict[str, ColumnElement[Any]]:
    """The columns a read selects, built once per entity runtime.

    Roll-up subqueries are compiled from their expressions here; SQLAlchemy
    also memoises a statement's cache key per object, so reusing these
    objects keeps per-request work to binding values.
    """
    columns = _SELECTABLE.get(entity)
    if columns is None:
        columns = _SELECTABLE[entity] = _build_selectable(entity, ctx)
    return columns


_SELECTABLE: WeakKeyDictionary[EntityRuntime, dict[str, ColumnElement[Any]]] = WeakKeyDictionary()
_BY_ID: WeakKeyDictionary[EntityRuntime, dict[bool, Select[Any]]] = WeakKeyDictionary()


def _by_id(entity: EntityRuntime, ctx: ReadContext, deleted: bool) -> Select[Any]:
    statements = _BY_ID.setdefault(entity, {})
    statement = statements.get(deleted)
    if statement is None:
        columns = _selectable(entity, ctx)
        statement = statements[deleted] = select(*columns.values()).where(
            entity.table.c.id == bindparam("record_id"), _live(entity, not deleted)
        )
    return statement


def _build_selectable(entity: EntityRuntime, ctx: ReadContext) -> dict[str, ColumnElement[Any]]:
    columns: dict[str, ColumnElement[Any]] = {key: entity.table.c[key] for key in ENTITY_COLUMNS}
    for bound in entity.stored:
        columns[bound.key] = entity.table.c[bound.key]
    for bound in entity.query_time:
        expression = ability(bound, QueryTime).select_expression(bound, entity, ctx.app)
        columns[bound.key] = expression.label(bound.key)
    return columns


def _conditions(
    ctx: ReadContext, entity: EntityRuntime, query: ListQuery, linked_view: LinkedView | None
) -> list[ColumnElement[bool]]:
    """``?field=value`` equalities, the ``filter`` tree and ``q`` (engine/forms/filters)."""
    conditions = filter_conditions(
        entity,
        ctx.app,
        ctx.conn.dialect.name,
        params=equality_conditions(query.filters),
        tree=query.filter,
        linked_view=linked_view,
        zone=partial(tenant_timezone, ctx.conn),
    )
    search = search_condition(entity, query.q)
    if search is not None:
        conditions.append(search)
    return conditions


def _live(entity: EntityRuntime, live: bool = True) -> ColumnElement[bool]:
    deleted_at = entity.table.c.deleted_at
    return deleted_at.is_(None) if live else deleted_at.is_not(None)


def list_records(
    ctx: ReadContext,
    entity: EntityRuntime,
    query: ListQuery,
    *,
    scope: ColumnElement[bool] | None = None,
    linked_view: LinkedView | None = None,
    masks: FieldMasks = NO_MASKS,
) -> dict[str, Any]:
    """A page of records; ``scope`` restricts them further (a permission's record scope).

    ``linked_view`` is how the reader sees linked entities, so that filters
    and sorts like ``customer.credit_limit`` cannot reach a field hidden from
    them (``engine.forms.filters.LinkedView``); None means every field.
    ``masks`` blank values of some records for the reader in the values,
    filters, sorts and search alike (``engine.forms.masking``).
    """
    if not 1 <= query.page <= MAX_PAGE:
        raise QueryInvalid([FieldError("page", Message("value.between", max=MAX_PAGE))])
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        message = Message("value.between", max=MAX_PAGE_SIZE)
        raise QueryInvalid([FieldError("page_size", message)])
    columns = _selectable(entity, ctx)
    conditions = [
        _live(entity, not query.deleted),
        *_conditions(ctx, entity, query, linked_view),
    ]
    if scope is not None:
        conditions.append(scope)
    order = order_by(entity, ctx.app, columns, query.sort, linked_view)
    query_time = {f.key for f in entity.query_time}
    if query_time and not any(item.lstrip("+-") in query_time for item in query.sort):
        # Pick the page first, then compute roll-ups for its rows only: a
        # correlated subquery per matching row before LIMIT costs O(matches).
        page_ids = (
            select(entity.table.c.id)
            .where(and_(True, *conditions))
            .order_by(*order)
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        )
        statement = (
            select(*columns.values())
            .where(entity.table.c.id.in_(page_ids.scalar_subquery()))
            .order_by(*order)
        )
    else:
        statement = (
            select(*columns.values())
            .where(and_(True, *conditions))
            .order_by(*order)
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        )
    rows = [row._mapping for row in ctx.conn.execute(masks.apply(statement))]
    items = [record_json(entity, row) for row in rows]
    if query.deleted:
        for item, row in zip(items, rows, strict=True):
            item["deleted_at"] = _json_scalar(row["deleted_at"])
            item["deleted_by"] = row["deleted_by"]
    add_display(ctx, entity, items)
    result: dict[str, Any] = {"items": items, "page": query.page, "page_size": query.page_size}
    if query.with_total:
        count = select(func.count()).select_from(entity.table).where(and_(True, *conditions))
        result["total"] = ctx.conn.scalar(masks.apply(count))
    return result


def _reference_ids(value: Any) -> list[int]:
    """The ids a reference holds: one (link, user) or a list (links, users)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list) and all(type(v) is int for v in value):
        return value
    return []


def add_display(ctx: ReadContext, entity: EntityRuntime, items: list[dict[str, Any]]) -> None:
    """Add ``_display``: the titles of linked records and users, one query per field.

    A list of ids (links, users) gets the list of their titles, in order.
    """
    for item in items:
        item["_display"] = {}
    for bound in entity.references:
        keys = {i for item in items for i in _reference_ids(item.get(bound.key))}
        if not keys:
            continue
        titles = ctx.titles.get(bound)
        if titles is None or not keys <= titles.keys():
            titles = ability(bound, References).display_titles(bound, list(keys), ctx)
        for item in items:
            value = item.get(bound.key)
            if isinstance(value, list):
                if value and _reference_ids(value):
                    item["_display"][bound.key] = [titles.get(i) for i in value]
            elif value in titles:
                item["_display"][bound.key] = titles[value]
    for bound in entity.child_rows:
        if isinstance(bound.type, SubtableType):
            _add_row_display(ctx, bound, [r for item in items for r in item.get(bound.key) or []])


def _add_row_display(ctx: ReadContext, bound: BoundField, rows: list[dict[str, Any]]) -> None:
    """``_display`` of each sub-table row: its cells' linked titles (a line's product name).

    Only sub-tables with linked cells get it: the rows of others read as they
    were written."""
    linked = [sub for sub in sub_fields(bound).values() if isinstance(sub.type, References)]
    if not linked:
        return
    for row in rows:
        row["_display"] = {}
    for sub in linked:
        keys = {i for row in rows for i in _reference_ids(row.get(sub.key))}
        if not keys:
            continue
        titles = ability(sub, References).display_titles(sub, list(keys), ctx)
        for row in rows:
            value = row.get(sub.key)
            if isinstance(value, list):
                if value and _reference_ids(value):
                    row["_display"][sub.key] = [titles.get(i) for i in value]
            elif value in titles:
                row["_display"][sub.key] = titles[value]


def _fetch(
    ctx: ReadContext,
    entity: EntityRuntime,
    record_id: int,
    *,
    deleted: bool = False,
    scope: ColumnElement[bool] | None = None,
    masks: FieldMasks = NO_MASKS,
) -> Mapping[Any, Any]:
    statement = _by_id(entity, ctx, deleted)
    if scope is not None:
        statement = statement.where(scope)
    row = ctx.conn.execute(masks.apply(statement), {"record_id": record_id}).first()
    if row is None:
        # Missing, out of scope or (not) in the recycle bin: one answer, no id.
        raise RecordNotFound.of(entity)
    return row._mapping


def get_record(
    ctx: ReadContext,
    entity: EntityRuntime,
    record_id: int,
    *,
    scope: ColumnElement[bool] | None = None,
    masks: FieldMasks = NO_MASKS,
) -> dict[str, Any]:
    """One live record; outside ``scope`` it is not found, like a record that never was.

    ``masks`` as for ``list_records``.
    """
    record = record_json(entity, _fetch(ctx, entity, record_id, scope=scope, masks=masks))
    for bound in entity.child_rows:
        rows = ability(bound, ChildRows).read_rows(bound, [record_id], ctx)
        record[bound.key] = bound.type.to_json(rows[record_id], bound)
    add_display(ctx, entity, [record])
    return record


# -- writing ------------------------------------------------------------------
@dataclass(eq=False)
class _WriteStatements:
    """Statements a create runs, built once per entity runtime.

    SQLAlchemy then skips building and coercing the statement on every
    request and only looks its compiled form up by cache key.
    """

    insert: Any
    #: SQLite: whether the table was created without AUTOINCREMENT, so every
    #: insert numbers its rows itself; and the high-water mark's query, by that.
    legacy_ids: bool | None = None
    id_floor: dict[bool, Select[Any]] = field(default_factory=dict)
    #: (field key, excluding an id, live records only, one value) → unique-value lookup.
    unique: dict[tuple[str, bool, bool, bool, str, bool], Select[Any]] = field(default_factory=dict)
    #: Query-time fields of a new record whose value cannot differ from one
    #: new record to the next (a roll-up over no related records), in JSON.
    new_record_values: dict[str, Any] = field(default_factory=dict)
    query_time_by_id: Select[Any] | None = None


_WRITES: WeakKeyDictionary[EntityRuntime, _WriteStatements] = WeakKeyDictionary()


def _statements(entity: EntityRuntime) -> _WriteStatements:
    statements = _WRITES.get(entity)
    if statements is None:
        table = entity.table
        statements = _WRITES[entity] = _WriteStatements(insert=insert(table))
    return statements


_SQLITE_SEQUENCE = sql_table("sqlite_sequence", sql_column("name"), sql_column("seq", Integer))


def _sqlite_id_floor(entity: EntityRuntime, legacy: bool) -> Select[Any]:
    """SQLite: the highest id the table has ever given out, whatever was deleted since.

    Ids are never reused: a purged record's id must not come back, or the
    next record's owner would read its history (the audit log is keyed by id).
    Tables are created with AUTOINCREMENT, whose counter (``sqlite_sequence``)
    keeps that high-water mark. Tables created before that (``legacy``) have
    none; for them the audit log is the mark: every record created through
    the records service has a ``create`` entry and every purge a ``purge``
    entry naming its id, and entries are kept for good. Both are read through
    an index. (PostgreSQL's serial sequences never give an id out twice.)
    """
    table = entity.table
    if legacy:
        mark = select(func.max(audit_log.c.record_id)).where(
            audit_log.c.app_key == entity.app_key, audit_log.c.entity == entity.key
        )
    else:
        mark = select(_SQLITE_SEQUENCE.c.seq).where(_SQLITE_SEQUENCE.c.name == table.name)
    return select(
        func.max(
            func.coalesce(select(func.max(table.c.id)).scalar_subquery(), 0),
            func.coalesce(mark.scalar_subquery(), 0),
        )
    )


def _legacy_ids(ctx: WriteContext, entity: EntityRuntime) -> bool:
    """SQLite: whether the entity's table was created without AUTOINCREMENT
    (before ids were made never to repeat). Looked up once per runtime."""
    statements = _statements(entity)
    if statements.legacy_ids is None:
        created = ctx.conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": entity.table.name},
        )
        statements.legacy_ids = "AUTOINCREMENT" not in str(created or "").upper()
    return statements.legacy_ids


def _next_sqlite_id(ctx: WriteContext, entity: EntityRuntime) -> int:
    """SQLite: the first id of the rows the caller numbers itself (holding the write lock)."""
    statements = _statements(entity)
    legacy = _legacy_ids(ctx, entity)
    floor = statements.id_floor.get(legacy)
    if floor is None:
        floor = statements.id_floor[legacy] = _sqlite_id_floor(entity, legacy)
    return int(ctx.conn.scalar(floor) or 0) + 1


def _unique_lookup(
    entity: EntityRuntime,
    key: str,
    exclude: bool,
    live_only: bool,
    one: bool,
    dialect: str,
    texts: bool = False,
) -> Select[Any]:
    """The statement finding records that hold any of ``values`` (``value`` when ``one``).

    One value (a single create or update) is an ``=``: an expanding ``IN``
    costs a rewrite of the compiled SQL on every execution. Many values on
    PostgreSQL are one array parameter (``= ANY(:values)``): an ``IN`` of
    10,000 placeholders costs PostgreSQL more to parse and plan than to run.
    With ``texts`` (PostgreSQL, a text column, every value a ``str``) that
    array is one array literal (``pg_text_array``).
    """
    cache = _statements(entity).unique
    cached = cache.get((key, exclude, live_only, one, dialect, texts))
    if cached is not None:
        return cached
    table = entity.table
    column = table.c[key]
    condition: ColumnElement[bool]
    if one:
        condition = column == bindparam("value")
    elif texts:
        # An untyped parameter cast to the array type: PostgreSQL parses the
        # literal as that type, so the planner sees a constant array (hashed,
        # counted) as with a list parameter. (A parameter typed as text and
        # cast is an I/O conversion the planner cannot fold: every row is then
        # compared with every value.)
        values = cast(bindparam("values", type_=NullType()), ARRAY(column.type))
        condition = column == any_(values)
    elif dialect == "postgresql":
        condition = column == any_(bindparam("values", type_=ARRAY(column.type)))
    else:
        condition = column.in_(bindparam("values", expanding=True))
    query: Select[Any] = select(column, table.c.id, table.c.deleted_at).where(condition)
    if exclude:
        query = query.where(table.c.id != bindparam("exclude_id"))
    if live_only:
        query = query.where(_live(entity))
    cache[(key, exclude, live_only, one, dialect, texts)] = query
    return query


def _texts(column: ColumnElement[Any], dialect: str, values: Collection[Any]) -> bool:
    """Whether many ``values`` of ``column`` are bound as one PostgreSQL array
    literal (``pg_text_array``): texts, which psycopg would dump one by one."""
    return (
        dialect == "postgresql"
        and isinstance(column.type, String)
        and all(type(value) is str for value in values)
    )


def _check_unique(
    ctx: WriteContext,
    entity: EntityRuntime,
    rows: Sequence[Mapping[str, Any]],
    prefixes: Sequence[str],
    exclude_id: int | None = None,
    live_only: bool = False,
    readable: Readable | None = None,
) -> list[FieldError]:
    """Values already held by other records (or twice in the batch), each named.

    The message names the record holding the value, by its title, only as far
    as ``readable`` (what the writer may read; None: everything) lets it: a
    value's owner out of sight is "another record", so an error never reveals
    a record, or a title, the writer could not read (``engine.forms.holders``).
    """
    errors: list[FieldError] = []
    for bound in entity.stored:
        if not bound.defn.unique:
            continue
        wanted: dict[Any, int] = {}
        for i, row in enumerate(rows):
            value = row.get(bound.key)
            if value is None:
                continue
            if value in wanted:
                errors.append(
                    FieldError(
                        prefixes[i] + bound.key, Message("value.unique_batch"), label_of(bound)
                    )
                )
            wanted[value] = i
        if not wanted:
            continue
        one = len(wanted) == 1
        dialect = ctx.conn.dialect.name
        texts = not one and _texts(entity.table.c[bound.key], dialect, wanted)
        query = _unique_lookup(
            entity, bound.key, exclude_id is not None, live_only, one, dialect, texts
        )
        params: dict[str, Any]
        if one:
            params = {"value": next(iter(wanted))}
        else:
            params = {"values": pg_text_array(wanted) if texts else list(wanted)}
        if exclude_id is not None:
            params["exclude_id"] = exclude_id
        taken = ctx.conn.execute(query, params).all()
        if not taken:
            continue
        held = [(row[1], row[2] is not None) for row in taken]
        holders = readable_holders(ctx, entity, held, readable)
        for value, other_id, _ in taken:
            message = unique_message(entity, holders.get(other_id))
            errors.append(FieldError(prefixes[wanted[value]] + bound.key, message, label_of(bound)))
    return errors


def _first_per_field(errors: list[FieldError]) -> list[FieldError]:
    seen: set[str] = set()
    kept = []
    for error in errors:
        if error.field not in seen:
            seen.add(error.field)
            kept.append(error)
    return kept


def _split_child_rows(
    entity: EntityRuntime, values: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    return {b.key: values.pop(b.key) for b in entity.child_rows if b.key in values}


@dataclass
class _Created:
    ids: list[int]
    #: Per record: the row as inserted (system columns included) and its child rows.
    rows: list[dict[str, Any]]
    children: list[dict[str, list[dict[str, Any]]]]


def _create(
    ctx: WriteContext,
    entity: EntityRuntime,
    inputs: Sequence[Mapping[str, Any]],
    rules: InputRules | None = None,
    typed: Collection[str] | None = None,
    readable: Readable | None = None,
) -> _Created:
    prefixes = [f"[{i}]." if len(inputs) > 1 else "" for i in range(len(inputs))]
    rows: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    fields = entity.fields
    for data, prefix in zip(inputs, prefixes, strict=True):
        values, row_errors = validate_values(fields, data, ctx, prefix)
        rows.append(values)
        if row_errors:
            errors.extend(row_errors)
    # Looked up even when some values failed, so one answer names every problem.
    errors += resolve_references(entity.writable, rows, ctx, prefixes)
    if rules is not None:
        for data, values, prefix in zip(inputs, rows, prefixes, strict=True):
            errors += rules.refused(ctx, data if typed is None else typed, values, None, prefix)
    errors += _check_unique(ctx, entity, rows, prefixes, readable=readable)
    if errors:
        raise RecordInvalid(_first_per_field(errors))
    if ctx.hooks.guards:  # before serial numbers: generating one writes its counter
        ctx.hooks.check(ctx, PendingWrite("create", ctx.app.key, entity.key, None, rows))
    children = [_split_child_rows(entity, values) for values in rows]
    for bound in entity.generated:
        generated = ability(bound, Generated).generate(bound, rows, ctx)
        for values, value in zip(rows, generated, strict=True):
            values[bound.key] = value
    system = {
        "version": 1,
        "created_at": ctx.now,
        "created_by": ctx.user_id,
        "updated_at": ctx.now,
        "updated_by": ctx.user_id,
    }
    for values in rows:
        values.update(system)
    stored = _insert(ctx, entity, rows)
    ids = [row["id"] for row in stored]
    for record_id, child_values in zip(ids, children, strict=True):
        for key, child_rows in child_values.items():
            if child_rows:  # a new record has no child rows to replace
                bound = entity.fields[key]
                ability(bound, ChildRows).write_rows(bound, record_id, child_rows, ctx)
    to_json = _audit_converters(entity)
    event = RecordsCreated(
        **ctx.event_header(entity.key),
        ids=tuple(ids),
        values=tuple(_audit_afters(to_json, rows, children)),
        rows=tuple(stored),
    )
    emit(ctx, event)
    return _Created(ids, rows, children)


_SYSTEM_KEYS = frozenset(SYSTEM_FIELDS)
#: Per entity runtime and field key: how its value becomes JSON, None when as it is.
_CONVERTERS: WeakKeyDictionary[EntityRuntime, dict[str, Callable[[Any], Any] | None]] = (
    WeakKeyDictionary()
)


def _audit_converters(entity: EntityRuntime) -> dict[str, Callable[[Any], Any] | None]:
    converters = _CONVERTERS.get(entity)
    if converters is None:
        converters = _CONVERTERS[entity] = {
            key: None if type(bound.type).to_json is FieldType.to_json else partial(_json, bound)
            for key, bound in entity.fields.items()
        }
    return converters


def _json(bound: BoundField, value: Any) -> Any:
    return bound.type.to_json(value, bound)


def _audit_afters(
    to_json: Mapping[str, Callable[[Any], Any] | None],
    rows: Sequence[Mapping[str, Any]],
    children: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """``_audit_after`` of each new record, with the keys sorted out once per batch.

    A batch's rows have the same keys in the same order (validation gives
    every writable field a value, the writer every system column); a row that
    does not takes the general way.
    """
    if len(rows) <= 1:
        return [_audit_after(to_json, v, c) for v, c in zip(rows, children, strict=True)]
    keys = tuple(rows[0])
    fields = tuple(key for key in keys if key not in _SYSTEM_KEYS)
    pick = itemgetter(*fields) if len(fields) > 1 else None
    converted = [(key, convert) for key in fields if (convert := to_json[key]) is not None]
    afters = []
    for values, child_values in zip(rows, children, strict=True):
        if pick is None or tuple(values) != keys:
            afters.append(_audit_after(to_json, values, child_values))
            continue
        after = dict(zip(fields, pick(values), strict=True))
        for key, convert in converted:
            after[key] = convert(after[key])
        for key, value in child_values.items():
            child_convert = to_json[key]
            after[key] = value if child_convert is None else child_convert(value)
        afters.append(after)
    return afters


def _audit_after(
    to_json: Mapping[str, Callable[[Any], Any] | None],
    values: Mapping[str, Any],
    children: Mapping[str, Any],
) -> dict[str, Any]:
    """The audit entry's ``after`` of a new record: its field values as JSON."""
    after = {}
    for key, value in values.items():
        if key in _SYSTEM_KEYS:
            continue
        convert = to_json[key]
        after[key] = value if convert is None else convert(value)
    for key, value in children.items():
        convert = to_json[key]
        after[key] = value if convert is None else convert(value)
    return after


def create_records(
    ctx: WriteContext,
    entity: EntityRuntime,
    inputs: Sequence[Mapping[str, Any]],
    *,
    rules: InputRules | None = None,
    typed: Collection[str] | None = None,
    readable: Readable | None = None,
) -> list[int]:
    """Validate and insert records; all or none. Errors name ``[i].field`` for batches.

    ``rules`` are the writer's read-only fields (``engine.forms.input_rules``),
    checked on the ``typed`` keys (by default every key of each input): what a
    person typed. ``readable`` is what the writer may read: a unique-value error
    names the record holding the value only as far as it reaches (None: all).
    """
    return _create(ctx, entity, inputs, rules, typed, readable).ids


def _insert(
    ctx: WriteContext, entity: EntityRuntime, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert ``rows``; answer them as stored, each with its new ``id`` (last)."""
    statements = _statements(entity)
    try:
        sqlite = ctx.conn.dialect.name == "sqlite"
        if len(rows) == 1 and not (sqlite and _legacy_ids(ctx, entity)):
            result = ctx.conn.execute(statements.insert, rows[0])
            return [{**rows[0], "id": int(result.inserted_primary_key[0])}]  # type: ignore[index]
        if sqlite:
            # SQLite cannot number a multi-row INSERT … RETURNING in order, so
            # SQLAlchemy would send one statement per row. The writer holds the
            # database's write lock (BEGIN IMMEDIATE), so it numbers the rows
            # itself, above every id ever given out (``_sqlite_id_floor``);
            # AUTOINCREMENT then moves its counter to the last of them.
            first = _next_sqlite_id(ctx, entity)
            ids = list(range(first, first + len(rows)))
        else:
            # PostgreSQL: the ids come from the table's own sequence, in one query.
            ids = next_ids(ctx.conn, entity.table, len(rows))
        # Then one executemany (SQLite) or COPY (PostgreSQL) of every row.
        stored = [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        insert_many(ctx.conn, entity.table, stored)
        return stored
    except IntegrityError as err:
        raise Conflict(Message("record.conflict", entity=noun_of(entity))) from err


def create_record(
    ctx: WriteContext,
    entity: EntityRuntime,
    data: Mapping[str, Any],
    *,
    answer_as: EntityRuntime | None = None,
    rules: InputRules | None = None,
    readable: Readable | None = None,
) -> dict[str, Any]:
    """Create one record and answer it as ``get_record`` would read it back.

    ``rules`` and ``readable`` as for ``create_records``.

    The answer is built from the values just written rather than read again:
    the row's own columns are what was inserted, a new record has no child
    rows beyond the ones written and no related records for its roll-ups.
    ``answer_as`` is the entity the answer describes (a view without hidden
    fields); by default the entity itself.
    """
    created = _create(ctx, entity, [data], rules, None, readable)
    if changed_by_causes(ctx, entity.key, created.ids[0]):
        # A rule wrote the new record again (assigned it, stamped it): read it back.
        return get_record(ctx, answer_as or entity, created.ids[0])
    return written_record(
        ctx, answer_as or entity, created.ids[0], created.rows[0], created.children[0]
    )


def written_record(
    ctx: WriteContext,
    entity: EntityRuntime,
    record_id: int,
    row: Mapping[str, Any],
    children: Mapping[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """The API shape of a record just inserted, from what was written.

    The same as ``get_record`` reads back: system columns, then the fields in
    definition order, then child rows, then ``_display``.
    """
    record: dict[str, Any] = {}
    for key in SYSTEM_FIELDS:
        value = row.get(key)
        if isinstance(value, datetime):
            value = value.astimezone(UTC)  # as the UTC columns read it back
        record[key] = _json_scalar(value)
    record["id"] = record_id
    query_time = _new_query_time_values(ctx, entity, record_id) if entity.query_time else {}
    jsonb = ctx.conn.dialect.name == "postgresql"
    for key, bound in entity.fields.items():
        if bound.type.stored:
            value = row.get(key)
            if jsonb and isinstance(value, dict | list):
                value = _jsonb_order(value)
            record[key] = bound.type.to_json(value, bound)
        elif key in query_time:
            record[key] = query_time[key]
    for bound in entity.child_rows:
        if children.get(bound.key):
            rows = ability(bound, ChildRows).read_rows(bound, [record_id], ctx)
            record[bound.key] = bound.type.to_json(rows[record_id], bound)
        else:
            record[bound.key] = bound.type.to_json([], bound)
    add_display(ctx, entity, [record])
    return record


def _jsonb_order(value: Any) -> Any:
    """A JSON value with its objects' keys in the order PostgreSQL's JSONB reads them back.

    JSONB keeps shorter keys first and keys of one length in byte order.
    """
    if isinstance(value, dict):
        return {
            key: _jsonb_order(value[key])
            for key in sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        }
    if isinstance(value, list):
        return [_jsonb_order(item) for item in value]
    return value


def _new_query_time_values(
    ctx: WriteContext, entity: EntityRuntime, record_id: int
) -> dict[str, Any]:
    """Roll-ups and lookups of a new record, read only when they can differ between records.

    A roll-up of a new record aggregates no related records: its value is the
    same for every new record, so it is read once per entity runtime (the
    database decides its exact form, such as 0 or 0.0) and reused.
    """
    statements = _statements(entity)
    known = statements.new_record_values
    if all(bound.key in known for bound in entity.query_time):
        return dict(known)
    if statements.query_time_by_id is None:
        columns = _selectable(entity, ctx)
        statements.query_time_by_id = select(
            *(columns[bound.key] for bound in entity.query_time)
        ).where(entity.table.c.id == bindparam("record_id"))
    row = ctx.conn.execute(statements.query_time_by_id, {"record_id": record_id}).one()._mapping
    values = {bound.key: bound.type.to_json(row[bound.key], bound) for bound in entity.query_time}
    for bound in entity.query_time:
        if ability(bound, QueryTime).same_for_new_records:
            known[bound.key] = values[bound.key]
    return values


def update_record(
    ctx: WriteContext,
    entity: EntityRuntime,
    record_id: int,
    data: Mapping[str, Any],
    version: int,
    *,
    scope: ColumnElement[bool] | None = None,
    rules: InputRules | None = None,
    typed: Collection[str] | None = None,
    readable: Readable | None = None,
) -> dict[str, Any]:
    """Change the fields ``data`` names of a live record at ``version`` (else 409).

    Outside ``scope`` the record is not found. ``rules``, ``typed`` and
    ``readable`` as for ``create_records``; the rules see the record as stored
    and as it would be written.
    """
    current = _fetch(ctx, entity, record_id, scope=scope)
    if current["version"] != version:
        raise StaleVersion(current["version"])
    existing = {b.key: current[b.key] for b in entity.stored}
    for bound in entity.child_rows:
        rows = ability(bound, ChildRows).read_rows(bound, [record_id], ctx)
        existing[bound.key] = rows[record_id]
    values, errors = validate_values(entity.fields, data, ctx, existing=existing)
    errors += resolve_references(entity.writable, [values], ctx, [""])
    if rules is not None:
        errors += rules.refused(ctx, data if typed is None else typed, values, existing)
    errors += _check_unique(ctx, entity, [values], [""], exclude_id=record_id, readable=readable)
    if errors:
        raise RecordInvalid(_first_per_field(errors))
    children = _split_child_rows(entity, values)
    changed = {k: v for k, v in values.items() if existing.get(k) != v}
    changed_children = {k: v for k, v in children.items() if v != existing.get(k)}
    if not changed and not changed_children:
        # Values equal to the stored ones change nothing: no version moves, no
        # event (rules, webhooks, an empty history entry), as an import's
        # `unchanged` row. The version was still checked above.
        return get_record(ctx, entity, record_id)
    if ctx.hooks.guards:
        pending = PendingWrite(
            "update", ctx.app.key, entity.key, record_id, [changed | changed_children], current
        )
        ctx.hooks.check(ctx, pending)
    result = ctx.conn.execute(
        update(entity.table)
        .where(entity.table.c.id == record_id, entity.table.c.version == version)
        .values(
            {**changed, "version": version + 1, "updated_at": ctx.now, "updated_by": ctx.user_id}
        )
    )
    if result.rowcount != 1:
        raise StaleVersion(version + 1)
    for key, child_rows in changed_children.items():
        bound = entity.fields[key]
        ability(bound, ChildRows).write_rows(bound, record_id, child_rows, ctx)
    before = {k: existing[k] for k in changed if k in existing}
    after = changed | changed_children
    event = RecordUpdated(
        **ctx.event_header(entity.key),
        record_id=record_id,
        before=_audit_values(entity, before),
        after=_audit_values(entity, after),
        changed=frozenset(after),
        row={
            **current,
            **changed,
            "version": version + 1,
            "updated_at": ctx.now,
            "updated_by": ctx.user_id,
        },
    )
    emit(ctx, event)
    return get_record(ctx, entity, record_id)


def _check_guards(
    ctx: WriteContext,
    entity: EntityRuntime,
    kind: WriteKind,
    record_id: int,
    current: Mapping[str, Any],
) -> None:
    """Ask the write guards about a write of an existing record, before it happens."""
    if ctx.hooks.guards:
        ctx.hooks.check(ctx, PendingWrite(kind, ctx.app.key, entity.key, record_id, (), current))


def delete_record(
    ctx: WriteContext,
    entity: EntityRuntime,
    record_id: int,
    *,
    scope: ColumnElement[bool] | None = None,
) -> None:
    """Move a record to the recycle bin; restorable until purged."""
    current = _fetch(ctx, entity, record_id, scope=scope)
    _check_restricting_links(ctx, entity, record_id)
    _check_guards(ctx, entity, "delete", record_id, current)
    ctx.conn.execute(
        update(entity.table)
        .where(entity.table.c.id == record_id)
        .values(
            deleted_at=ctx.now,
            deleted_by=ctx.user_id,
            version=current["version"] + 1,
            updated_at=ctx.now,
            updated_by=ctx.user_id,
        )
    )
    emit(
        ctx,
        RecordDeleted(
            **ctx.event_header(entity.key),
            record_id=record_id,
        ),
    )


def restore_record(
    ctx: WriteContext,
    entity: EntityRuntime,
    record_id: int,
    *,
    scope: ColumnElement[bool] | None = None,
    readable: Readable | None = None,
) -> dict[str, Any]:
    """Bring a record back from the recycle bin, unless its unique values were taken since.

    ``readable`` as for ``create_records``.
    """
    current = _fetch(ctx, entity, record_id, deleted=True, scope=scope)
    values = {b.key: current[b.key] for b in entity.stored}
    errors = _check_unique(
        ctx, entity, [values], [""], exclude_id=record_id, live_only=True, readable=readable
    )
    if errors:
        message = Message("record.cannot_restore", entity=noun_of(entity), id=record_id)
        raise Conflict(message, errors)
    _check_guards(ctx, entity, "restore", record_id, current)
    ctx.conn.execute(
        update(entity.table)
        .where(entity.table.c.id == record_id)
        .values(
            deleted_at=None,
            deleted_by=None,
            version=current["version"] + 1,
            updated_at=ctx.now,
            updated_by=ctx.user_id,
        )
    )
    emit(
        ctx,
        RecordRestored(
            **ctx.event_header(entity.key),
            record_id=record_id,
        ),
    )
    return get_record(ctx, entity, record_id)


def purge_record(ctx: WriteContext, entity: EntityRuntime, record_id: int) -> None:
    """Delete a record of the recycle bin for good; its audit history stays."""
    current = _fetch(ctx, entity, record_id, deleted=True)
    before = record_json(entity, current)
    _check_restricting_links(ctx, entity, record_id, include_deleted=True)
    _check_guards(ctx, entity, "purge", record_id, current)
    ctx.conn.execute(sql_delete(entity.table).where(entity.table.c.id == record_id))
    emit(
        ctx,
        RecordPurged(
            **ctx.event_header(entity.key),
            record_id=record_id,
            before=before,
        ),
    )


def record_exists(
    ctx: ReadContext,
    entity: EntityRuntime,
    record_id: int,
    *,
    deleted: bool | None = False,
    scope: ColumnElement[bool] | None = None,
) -> bool:
    """Whether the record is there: live (``deleted=False``), in the recycle bin
    (``True``) or either (``None``), within ``scope``."""
    conditions = [entity.table.c.id == record_id]
    if deleted is not None:
        conditions.append(_live(entity, not deleted))
    if scope is not None:
        conditions.append(scope)
    return ctx.conn.scalar(select(entity.table.c.id).where(*conditions)) is not None


def record_history(ctx: ReadContext, entity: EntityRuntime, record_id: int) -> list[dict[str, Any]]:
    """Who changed which field from what to what, and when: oldest first."""
    rows = ctx.conn.execute(
        select(audit_log, users.c.display_name)
        .outerjoin(users, users.c.id == audit_log.c.user_id)
        .where(
            audit_log.c.app_key == ctx.app.key,
            audit_log.c.entity == entity.key,
            audit_log.c.record_id == record_id,
        )
        .order_by(audit_log.c.id)
    ).all()
    if not rows:
        raise RecordNotFound(Message("record.no_history", entity=noun_of(entity), id=record_id))
    history = []
    for row in rows:
        before, after = row.before or {}, row.after or {}
        changes = [
            {"field": key, "from": before.get(key), "to": after.get(key)}
            for key in dict.fromkeys([*after, *before])
            if row.action in ("create", "update")
        ]
        history.append(
            {
                "at": row.at.isoformat(),
                "user_id": row.user_id,
                "user": row.display_name,
                "action": row.action,
                # What wrote it besides the user (``engine.forms.via``); None: their own edit.
                "via": row.via,
                "changes": changes,
                # What an action reported (its key, type, pool, …): named by
                # ``engine.forms.history``.
                **({"detail": after} if row.action == "action" else {}),
            }
        )
    return history


def _check_restricting_links(
    ctx: WriteContext, entity: EntityRuntime, record_id: int, *, include_deleted: bool = False
) -> None:
    """Say how many records still link here, instead of a bare foreign-key error.

    Moving to the recycle bin is blocked by live records only; purging for
    good also by records in the recycle bin, as the foreign key would be.
    The linking records are counted, never named: the deleting user may not
    be allowed to read them (or even their entity).
    """
    for other in ctx.app.entities.values():
        for bound in other.fields.values():
            options = bound.options
            if (
                bound.defn.type == "link"
                and options.target == entity.key
                and options.on_delete == "restrict"
            ):
                column = other.table.c[bound.key]
                linking = select(other.table.c.id).where(column == record_id)
                if not include_deleted:
                    linking = linking.where(_live(other))
                counted = select(func.count()).select_from(
                    linking.limit(LINKS_COUNTED + 1).subquery()
                )
                count = int(ctx.conn.scalar(counted) or 0)
                if count:
                    key = "record.still_linked" + (
                        "_one" if count == 1 else "_many" if count > LINKS_COUNTED else ""
                    )
                    raise Conflict(
                        Message(
                            key,
                            entity=noun_of(entity),
                            id=record_id,
                            count=min(count, LINKS_COUNTED),
                            other=noun_of(other),
                            field=label_of(bound),
                        )
                    )


__all__ = [
    "ListQuery",
    "create_record",
    "create_records",
    "delete_record",
    "get_record",
    "list_records",
    "purge_record",
    "record_exists",
    "record_history",
    "restore_record",
    "update_record",
]
