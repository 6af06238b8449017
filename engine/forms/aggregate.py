"""Grouped aggregates over the records of one entity: a sum per stage, a count per month.

``aggregate_records`` answers "sum of amount by stage" as one SQL statement::

    SELECT stage AS g0, coalesce(sum(amount), 0) AS m0, count(*) AS m1
    FROM opportunity
    WHERE deleted_at IS NULL AND <the list's filter> AND <the read scope>
    GROUP BY stage ORDER BY g0 NULLS FIRST

It selects the very records the list endpoint would list for the same
``filter``, ``q`` and ``?field=value`` parameters (the same compiler, the
same soft-delete condition, the same record scope), so a total shown beside
a list always agrees with it. ``aggregate_as`` applies one user's access:
hidden fields cannot be grouped on or measured, exactly as they cannot be
filtered on.

What may be grouped on (``group_by``, at most ``MAX_GROUP_BY``): fields of a
kind with few distinct values: a select, a reference (user, link,
department, ``created_by``), a boolean, and dates and date-times, by ``day``
(the default), ``month`` or ``year`` (``close_date:month``). Date-times are
bucketed in the tenant's time zone (``engine.tenancy``), as a person reads them.

What may be measured (``measures``): ``count``, and ``sum``/``avg``/
``min``/``max`` of number-like fields (number, currency, percent, rating,
numeric formulas); ``min``/``max`` also of dates and date-times. Each measure
is one registered class; each date bucket one registered instance.

Groups come back ordered by their keys, blank first. A query reaching more
than ``MAX_GROUPS`` groups is refused rather than silently cut. The wire
format is documented in ``docs/aggregate.md``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, and_, func, select

from engine.definition import Label
from engine.forms.errors import FieldError, FieldInvalid, QueryInvalid, RecordInvalid, label_of
from engine.forms.field_types.datetime import DEFAULT_TZ
from engine.forms.filters import (
    FilterNode,
    LinkedView,
    equality_conditions,
    filter_conditions,
    search_condition,
)
from engine.forms.filters.kinds import BOOLEAN, CHOICE, DATE, DATETIME, NUMBER, REFERENCE, Kind
from engine.forms.filters.targets import Target, resolve
from engine.forms.masking import NO_MASKS, FieldMasks
from engine.forms.records import add_display
from engine.i18n import Message
from engine.registry import Registry, UnknownKeyError
from engine.tenancy import tenant_timezone

if TYPE_CHECKING:
    from engine.forms.context import ReadContext
    from engine.forms.guard import GuardedReads
    from engine.forms.runtime import AppRuntime, EntityRuntime

MAX_GROUP_BY = 2
MAX_MEASURES = 10
#: More groups than this are refused: a chart or a table of them is unreadable.
MAX_GROUPS = 1000
#: Kinds with few distinct values, worth grouping on.
GROUPABLE: tuple[Kind, ...] = (CHOICE, REFERENCE, BOOLEAN, DATE, DATETIME)
DATED: tuple[Kind, ...] = (DATE, DATETIME)


# -- date buckets -------------------------------------------------------------
@dataclass(frozen=True)
class Bucket:
    """A calendar unit dates group by; the group's key is ISO text (``2026-03``)."""

    key: str
    label: Label
    sqlite_format: str
    pg_format: str

    def to_sql(
        self, column: ColumnElement[Any], kind: Kind, dialect: str, tz: ZoneInfo
    ) -> ColumnElement[str]:
        """The bucket of ``column`` as text; date-times in the time zone ``tz``."""
        if dialect == "postgresql":
            if kind is DATETIME:
                column = func.timezone(tz.key, column)
            return func.to_char(column, self.pg_format, type_=String)
        if kind is DATETIME:
            # SQLite stores naive UTC and knows no time zones: shift by the
            # zone's standard offset, exact for a zone without daylight saving
            # time (the default, Asia/Shanghai, has had none since 1991).
            offset = tz.utcoffset(datetime(2000, 1, 1))
            minutes = int(offset.total_seconds() // 60) if offset is not None else 0
            return func.strftime(self.sqlite_format, column, f"{minutes:+d} minutes", type_=String)
        return func.strftime(self.sqlite_format, column, type_=String)


buckets: Registry[Bucket] = Registry("date bucket")

BUILTIN_BUCKETS: tuple[Bucket, ...] = (
    Bucket("day", {"zh-CN": "日", "en": "Day"}, "%Y-%m-%d", "YYYY-MM-DD"),
    Bucket("month", {"zh-CN": "月", "en": "Month"}, "%Y-%m", "YYYY-MM"),
    Bucket("year", {"zh-CN": "年", "en": "Year"}, "%Y", "YYYY"),
)


# -- measures -----------------------------------------------------------------
class Measure(ABC):
    """An aggregate function over the records of a group.

    It may select several SQL values (an average selects a sum and a count)
    and combines them into one JSON value.
    """

    key: ClassVar[str]
    label: ClassVar[Label]
    #: Kinds of field it applies to; empty when it takes no field (``count``).
    kinds: ClassVar[tuple[Kind, ...]]

    @abstractmethod
    def to_sql(self, column: ColumnElement[Any] | None) -> tuple[ColumnElement[Any], ...]:
        """The aggregate expressions over ``column`` (None when it takes no field)."""

    def to_json(self, values: Sequence[Any], target: Target | None) -> Any:
        """The JSON of one group's result: the field's own format by default."""
        return _value_json(values[0], target)

    def describe(self) -> dict[str, Any]:
        return {"measure": self.key, "label": self.label, "kinds": [k.key for k in self.kinds]}


class Count(Measure):
    key = "count"
    label = {"zh-CN": "计数", "en": "Count"}
    kinds = ()

    def to_sql(self, column: ColumnElement[Any] | None) -> tuple[ColumnElement[Any], ...]:
        return (func.count(),)

    def to_json(self, values: Sequence[Any], target: Target | None) -> Any:
        return int(values[0])


class Sum(Measure):
    key = "sum"
    label = {"zh-CN": "求和", "en": "Sum"}
    kinds = (NUMBER,)

    def to_sql(self, column: ColumnElement[Any] | None) -> tuple[ColumnElement[Any], ...]:
        # The sum of nothing but blanks is 0, as in a spreadsheet (and a roll-up).
        return (func.coalesce(func.sum(column), 0),)


class Avg(Measure):
    """The mean of the non-blank values, divided in Python.

    SQLite averages decimals as floats (0.19999999999999998) where
    PostgreSQL is exact (0.2). A sum of a decimal column comes back rounded
    to the column's scale on both, so sum ÷ count gives the same answer on
    both databases.
    """

    key = "avg"
    label = {"zh-CN": "平均值", "en": "Average"}
    kinds = (NUMBER,)

    def to_sql(self, column: ColumnElement[Any] | None) -> tuple[ColumnElement[Any], ...]:
        assert column is not None
        return func.sum(column), func.count(column)

    def to_json(self, values: Sequence[Any], target: Target | None) -> Any:
        total, count = values
        if not count:
            return None
        if isinstance(total, Decimal):
            return float(total / count)
        return float(total) / count


class Min(Measure):
    key = "min"
    label = {"zh-CN": "最小值", "en": "Minimum"}
    kinds = (NUMBER, DATE, DATETIME)

    def to_sql(self, column: ColumnElement[Any] | None) -> tuple[ColumnElement[Any], ...]:
        return (func.min(column),)


class Max(Measure):
    key = "max"
    label = {"zh-CN": "最大值", "en": "Maximum"}
    kinds = (NUMBER, DATE, DATETIME)

    def to_sql(self, column: ColumnElement[Any] | None) -> tuple[ColumnElement[Any], ...]:
        return (func.max(column),)


measures: Registry[Measure] = Registry("measure")

BUILTIN_MEASURES: tuple[type[Measure], ...] = (Count, Sum, Avg, Min, Max)


def register_builtins() -> None:
    for cls in BUILTIN_MEASURES:
        measures.register(cls.key, cls())
    for bucket in BUILTIN_BUCKETS:
        buckets.register(bucket.key, bucket)


register_builtins()


def _value_json(value: Any, target: Target | None) -> Any:
    if value is None:
        return None
    if target is not None and target.field is not None:
        return target.field.type.to_json(value, target.field)
    return value.isoformat() if isinstance(value, date | datetime) else value


# -- the query ----------------------------------------------------------------
@dataclass(frozen=True)
class AggregateQuery:
    """What to aggregate; ``filters``, ``filter`` and ``q`` select records as the list does."""

    #: ``"stage"``, ``"close_date:month"``: at most ``MAX_GROUP_BY``.
    group_by: Sequence[str] = ()
    #: ``"count"``, ``"sum:amount"``: at least one.
    measures: Sequence[str] = ("count",)
    #: ``?field=value`` query parameters: one equality each.
    filters: Mapping[str, str] = field(default_factory=dict)
    filter: FilterNode | None = None
    q: str | None = None
    #: A saved view's filter (a kanban's sums count what its cards show): the
    #: designer's, so ``aggregate_as`` binds it on the whole entity, hidden
    #: fields included (``engine.forms.views.ViewQuery``).
    designed: FilterNode | None = None


@dataclass(frozen=True)
class Dimension:
    """One key of the groups: a field, bucketed when it is a date."""

    name: str
    target: Target
    #: The stored column (a target's column may be type-coerced for filters).
    column: ColumnElement[Any]
    bucket: Bucket | None

    def to_sql(self, dialect: str, tz: ZoneInfo) -> ColumnElement[Any]:
        if self.bucket is None:
            return self.column
        return self.bucket.to_sql(self.column, self.target.kind, dialect, tz)

    def to_json(self, value: Any) -> Any:
        return value if self.bucket is not None else _value_json(value, self.target)


@dataclass(frozen=True)
class BoundMeasure:
    """One measure of the query: its name in the answer, its function and its column."""

    name: str
    measure: Measure
    target: Target | None = None
    column: ColumnElement[Any] | None = None
    #: The SQL values it selects, built once.
    expressions: tuple[ColumnElement[Any], ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expressions", self.measure.to_sql(self.column))


def _target(
    path: str, entity: EntityRuntime, app: AppRuntime, linked_view: LinkedView | None
) -> Target:
    target = resolve(path, entity, app, linked_view)
    if target.hop is not None:
        raise FieldInvalid(Message("aggregate.no_hop", field=path, entity=label_of(entity)))
    if target.query_time:
        raise FieldInvalid(
            Message("aggregate.computed", field=target.label, type=target.type_label)
        )
    return target


def _reason(err: FieldInvalid | UnknownKeyError) -> str:
    """Why a group key or a measure is refused, as a message."""
    if isinstance(err, FieldInvalid):
        return err.message
    if err.kind == buckets.kind:
        known = ", ".join(sorted(buckets))
        return Message("aggregate.unknown_bucket", key=err.key, known=known)
    return Message("aggregate.unknown_measure", key=err.key, known=", ".join(sorted(measures)))


class _Binder:
    """Binds group keys and measures to an entity, collecting every error."""

    def __init__(
        self, entity: EntityRuntime, app: AppRuntime, linked_view: LinkedView | None
    ) -> None:
        self.entity, self.app, self.linked_view = entity, app, linked_view
        self.errors: list[FieldError] = []

    def dimensions(self, specs: Sequence[str]) -> list[Dimension]:
        if len(specs) > MAX_GROUP_BY:
            self.errors.append(
                FieldError("group_by", Message("aggregate.max_group_by", max=MAX_GROUP_BY))
            )
            return []
        bound: list[Dimension] = []
        for spec in specs:
            try:
                dimension = self.dimension(spec)
            except (FieldInvalid, UnknownKeyError) as err:
                reason = _reason(err)
                message = Message("aggregate.cannot_group", spec=spec, reason=reason)
                self.errors.append(FieldError("group_by", message))
                continue
            if any(d.name == dimension.name for d in bound):
                self.errors.append(
                    FieldError("group_by", Message("aggregate.grouped_twice", name=dimension.name))
                )
                continue
            bound.append(dimension)
        return bound

    def dimension(self, spec: str) -> Dimension:
        path, colon, unit = spec.partition(":")
        target = _target(path, self.entity, self.app, self.linked_view)
        kind = target.kind
        if kind not in GROUPABLE:
            raise FieldInvalid(
                Message("aggregate.too_distinct", field=target.label, type=target.type_label)
            )
        bucket = None
        if kind in DATED:
            bucket = buckets.get(unit if colon else "day")
        elif colon:
            raise FieldInvalid(Message("aggregate.only_dates", units=", ".join(buckets)))
        return Dimension(path, target, self.entity.table.c[target.key], bucket)

    def measures(self, specs: Sequence[str]) -> list[BoundMeasure]:
        if not specs:
            self.errors.append(FieldError("measures", Message("aggregate.no_measure")))
        if len(specs) > MAX_MEASURES:
            self.errors.append(
                FieldError("measures", Message("aggregate.max_measures", max=MAX_MEASURES))
            )
            return []
        bound: list[BoundMeasure] = []
        for spec in specs:
            try:
                measure = self.measure(spec)
            except (FieldInvalid, UnknownKeyError) as err:
                message = Message("aggregate.bad_measure", spec=spec, reason=_reason(err))
                self.errors.append(FieldError("measures", message))
                continue
            if all(m.name != measure.name for m in bound):
                bound.append(measure)
        return bound

    def measure(self, spec: str) -> BoundMeasure:
        key, colon, path = spec.partition(":")
        measure = measures.get(key)
        if not measure.kinds:
            if colon:
                raise FieldInvalid(Message("aggregate.no_field_needed", key=key))
            return BoundMeasure(key, measure, None)
        if not path:
            raise FieldInvalid(Message("aggregate.field_needed", key=key))
        target = _target(path, self.entity, self.app, self.linked_view)
        if target.kind not in measure.kinds:
            allowed = ", ".join(k.key for k in measure.kinds)
            raise FieldInvalid(
                Message(
                    "aggregate.wrong_kind",
                    key=key,
                    allowed=allowed,
                    field=target.label,
                    type=target.type_label,
                )
            )
        return BoundMeasure(f"{key}_{path}", measure, target, self.entity.table.c[target.key])

    def check_names(self, dimensions: list[Dimension], bound: list[BoundMeasure]) -> None:
        for measure in bound:
            if any(d.name == measure.name for d in dimensions):
                self.errors.append(
                    FieldError("measures", Message("aggregate.name_clash", name=measure.name))
                )


@dataclass(frozen=True)
class Aggregation:
    """A bound aggregate query: its group keys, its measures and its statement."""

    dimensions: Sequence[Dimension]
    measures: Sequence[BoundMeasure]
    statement: Select[Any]

    def groups(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """The JSON of the rows the statement returned, one dict per group."""
        groups = []
        for row in rows:
            group = {d.name: d.to_json(row[i]) for i, d in enumerate(self.dimensions)}
            at = len(self.dimensions)
            for measure in self.measures:
                width = len(measure.expressions)
                group[measure.name] = measure.measure.to_json(row[at : at + width], measure.target)
                at += width
            groups.append(group)
        return groups


def plan_aggregate(
    entity: EntityRuntime,
    app: AppRuntime,
    query: AggregateQuery,
    dialect: str,
    *,
    scope: ColumnElement[bool] | None = None,
    linked_view: LinkedView | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
) -> Aggregation:
    """Bind ``query`` to ``entity`` and build its statement for ``dialect``; no database.

    ``tz`` is the tenant's time zone, the calendar date-times are bucketed in.

    Raises ``RecordInvalid`` naming ``group_by``, ``measures`` or the
    filter's paths, every problem at once.
    """
    binder = _Binder(entity, app, linked_view)
    dimensions = binder.dimensions(query.group_by)
    bound = binder.measures(query.measures)
    binder.check_names(dimensions, bound)
    errors = binder.errors
    try:
        conditions = filter_conditions(
            entity,
            app,
            dialect,
            params=equality_conditions(query.filters),
            tree=query.filter,
            linked_view=linked_view,
            zone=lambda: tz,
        )
        if query.designed is not None:
            conditions += filter_conditions(
                entity, app, dialect, tree=query.designed, zone=lambda: tz
            )
        search = search_condition(entity, query.q)
    except RecordInvalid as err:
        raise QueryInvalid(errors + err.errors) from None
    if errors:
        raise QueryInvalid(errors)
    if search is not None:
        conditions.append(search)
    if scope is not None:
        conditions.append(scope)
    statement = aggregate_statement(entity, dimensions, bound, conditions, dialect, tz)
    return Aggregation(dimensions, bound, statement)


def aggregate_records(
    ctx: ReadContext,
    entity: EntityRuntime,
    query: AggregateQuery,
    *,
    scope: ColumnElement[bool] | None = None,
    linked_view: LinkedView | None = None,
    masks: FieldMasks = NO_MASKS,
) -> dict[str, Any]:
    """The groups of the live records matching ``query``, each with its measures.

    ``entity`` is the reader's view of the entity (its hidden fields left
    out), ``scope`` the read scope as a condition and ``linked_view`` how the
    reader sees linked entities (for filters like ``customer.industry``), as
    for ``list_records``; ``masks`` blank values of some records for the
    reader in groups, measures and filters alike (``engine.forms.masking``).
    Reference keys get their titles in ``_display``.
    """
    aggregation = plan_aggregate(
        entity,
        ctx.app,
        query,
        ctx.conn.dialect.name,
        scope=scope,
        linked_view=linked_view,
        tz=tenant_timezone(ctx.conn),
    )
    rows = ctx.conn.execute(masks.apply(aggregation.statement)).all()
    if len(rows) > MAX_GROUPS:
        raise QueryInvalid(
            [
                FieldError(
                    "group_by",
                    Message("aggregate.too_many_groups", max=MAX_GROUPS),
                )
            ]
        )
    groups = aggregation.groups(rows)
    add_display(ctx, entity, groups)
    return {
        "group_by": [d.name for d in aggregation.dimensions],
        "measures": [m.name for m in aggregation.measures],
        "groups": groups,
    }


def aggregate_statement(
    entity: EntityRuntime,
    dimensions: Sequence[Dimension],
    bound: Sequence[BoundMeasure],
    conditions: Sequence[ColumnElement[bool]],
    dialect: str,
    tz: ZoneInfo,
) -> Select[Any]:
    """The SELECT … GROUP BY of bound dimensions and measures over live records.

    Columns are labelled ``g0, g1, m0, …``: request text never names SQL.
    """
    keys = [d.to_sql(dialect, tz).label(f"g{i}") for i, d in enumerate(dimensions)]
    expressions = [expression for m in bound for expression in m.expressions]
    values = [expression.label(f"m{i}") for i, expression in enumerate(expressions)]
    table = entity.table
    statement = (
        select(*keys, *values)
        .select_from(table)
        .where(and_(table.c.deleted_at.is_(None), *conditions))
    )
    if keys:
        statement = (
            statement.group_by(*keys)
            .order_by(*(key.asc().nulls_first() for key in keys))
            .limit(MAX_GROUPS + 1)
        )
    return statement


def aggregate_as(reads: GuardedReads, query: AggregateQuery) -> dict[str, Any]:
    """``aggregate_records`` within one user's access (``engine.forms.guard``).

    Only records in the read scope count; hidden fields (derived ones
    included) are unknown to the query (refused like a field that does not
    exist), linked entities are seen as the user sees them, and titles of
    hidden links leave ``_display``. A view's ``designed`` filter alone is
    bound on the whole entity.
    """
    scope = reads.scope("read")
    if query.designed is not None and not reads.access.unrestricted:
        scope = reads.designed_condition(query.designed, scope)
        query = replace(query, designed=None)
    result = aggregate_records(
        reads.ctx,
        reads.view,
        query,
        scope=scope,
        linked_view=None if reads.access.unrestricted else reads.linked_view,
        masks=reads.access.masks,
    )
    for group in result["groups"]:
        reads.redact(group)
    return result


def catalogue() -> dict[str, Any]:
    """What the aggregate endpoint offers, as data for the UI."""
    return {
        "measures": [measure.describe() for _, measure in measures.items()],
        "buckets": [{"bucket": key, "label": b.label} for key, b in buckets.items()],
        "groupable_kinds": [kind.key for kind in GROUPABLE],
        "max_group_by": MAX_GROUP_BY,
        "max_groups": MAX_GROUPS,
    }


__all__ = [
    "MAX_GROUPS",
    "MAX_GROUP_BY",
    "MAX_MEASURES",
    "AggregateQuery",
    "Aggregation",
    "BoundMeasure",
    "Bucket",
    "Dimension",
    "Measure",
    "aggregate_as",
    "aggregate_records",
    "aggregate_statement",
    "buckets",
    "catalogue",
    "measures",
    "plan_aggregate",
]
