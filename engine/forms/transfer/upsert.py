"""An import that updates as well as creates: rows matched by ID or by a unique field.

``mode`` says what a row may do: ``insert`` creates every row (the ID column is
ignored, as it always was); ``update`` changes the record a row names and
fails a row that names none; ``upsert`` changes the record a row names and
creates one for a row that names none. A row names a record by its ``ID``
cell (``12`` or ``#12``, as the export writes it), else by the value of the
unique field ``match_by`` — both among the records the importer may read.

Every write goes through ``GuardedWrites`` with the importer's access, so a
row is refused exactly as the form would refuse it (scope, hidden and
read-only fields, input rules, validation, uniqueness). A row whose values
are those the record already holds is ``unchanged``: nothing is written,
its version does not move and no event is emitted. A row of a file with a
``version`` column (an importable export has one) that changes a record
changed since the export fails instead of overwriting that change; without
that column the file's values win for the fields it holds.

Problems carry the spreadsheet's row number and the column's header, and
the import is all-or-nothing: the caller rolls the transaction back when
``Outcome.problems`` is not empty (a dry run always rolls back, so the
report of a dry run is the report the real run would give).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from engine.errors import DomainError
from engine.forms.errors import RecordInvalid, label_of, noun_of
from engine.forms.field_types.base import is_blank
from engine.forms.guard import GuardedWrites
from engine.forms.permissions import AccessDenied
from engine.forms.runtime import EntityRuntime
from engine.forms.transfer.importing import Prepared, row_problems
from engine.forms.transfer.lookups import id_of
from engine.forms.transfer.problems import ImportInvalid, Problem
from engine.forms.transfer.sheets import Sheet
from engine.forms.validation import validate_values
from engine.i18n import Message

Mode = Literal["insert", "update", "upsert"]
MODES: tuple[Mode, ...] = ("insert", "update", "upsert")
Status = Literal["created", "updated", "unchanged", "failed"]
STATUSES: tuple[Status, ...] = ("created", "updated", "unchanged", "failed")
ID_HEADERS = frozenset({"id", "#"})
VERSION_HEADERS = frozenset({"version"})
CHUNK = 500


@dataclass(frozen=True)
class Matching:
    """How rows find their records: ``mode``, and the unique field to match on."""

    mode: Mode = "insert"
    #: A unique field's key: rows without an ID match the record holding their value.
    by: str | None = None

    @property
    def updates(self) -> bool:
        return self.mode != "insert"


@dataclass(frozen=True)
class RowKeys:
    """What the ID and version columns say, per spreadsheet row number."""

    ids: dict[int, int]
    versions: dict[int, int]
    #: The header of the ID column, for problems that name it.
    id_header: str
    problems: list[Problem]


def _whole(cell: Any) -> int | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell if cell > 0 else None
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() and cell > 0 else None
    return id_of(str(cell).strip())


def row_keys(sheet: Sheet) -> RowKeys:
    """The ids and versions a file's rows carry; a cell that is no id is a problem."""
    folded = [header.casefold() for header in sheet.header]
    id_at = next((i for i, h in enumerate(folded) if h in ID_HEADERS), None)
    version_at = next((i for i, h in enumerate(folded) if h in VERSION_HEADERS), None)
    ids: dict[int, int] = {}
    versions: dict[int, int] = {}
    problems: list[Problem] = []
    id_header = sheet.header[id_at] if id_at is not None else "ID"
    for number, cells in sheet.rows:
        for at, found, what in ((id_at, ids, "id"), (version_at, versions, "version")):
            cell = cells[at] if at is not None and at < len(cells) else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            value = _whole(cell)
            if value is None:
                header = sheet.header[at] if at is not None else what
                message = Message(f"import.bad_{what}")
                problems.append(Problem(f"rows[{number}].{what}", message, number, header))
            else:
                found[number] = value
    return RowKeys(ids, versions, id_header, problems)


def check_matching(entity: EntityRuntime, matching: Matching, mapped: Sequence[str]) -> None:
    """A ``match_by`` must be a unique field the file has a column for (422 otherwise)."""
    by = matching.by
    if by is None or not matching.updates:
        return
    bound = entity.fields.get(by)
    if bound is None or not bound.defn.unique:
        keys = [k for k, b in entity.fields.items() if b.defn.unique]
        uniques = {"en": ", ".join(keys) or "none", "zh-CN": "、".join(keys) or "无"}
        message = Message("import.match_by", entity=noun_of(entity), uniques=uniques)
        raise ImportInvalid([Problem("match_by", message)])
    if by not in mapped:
        message = Message("import.no_match_column", field=repr(by))
        raise ImportInvalid([Problem("match_by", message, 1)])


@dataclass(frozen=True)
class RowResult:
    row: int
    status: Status
    #: The record the row created or matched.
    id: int | None = None
    #: The fields an update changes.
    changed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"row": self.row, "status": self.status}
        if self.id is not None:
            answer["id"] = self.id
        if self.changed:
            answer["changed"] = list(self.changed)
        return answer


@dataclass
class Outcome:
    """What each row did (or would do): the dry run's report and the real run's answer."""

    results: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    def ids(self, status: Status) -> list[int]:
        return [r.id for r in self.results if r.status == status and r.id is not None]

    def report(self, written: bool = True) -> dict[str, Any]:
        """Totals and rows; when nothing was written (a dry run, a failed import)
        new ids are left out: they name no record, and a later one may get them."""
        rows = [
            replace(r, id=None) if not written and r.status == "created" else r
            for r in self.results
        ]
        return {**self.totals(), "rows": [result.to_json() for result in rows]}


class RowsInvalid(ImportInvalid):
    """Rows that cannot be imported (422): every problem, and the report of every row."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.problems)
        self.outcome = outcome

    def problem_members(self) -> dict[str, Any]:
        # All or nothing: the rows reported "created" were rolled back.
        return {**super().problem_members(), **self.outcome.report(written=False)}


def _stored_value(writes: GuardedWrites, key: str, value: Any) -> Any:
    """A cell's value as the column stores it, to find the record holding it."""
    bound = writes.entity.fields[key]
    values, errors = validate_values({key: bound}, {key: value}, writes.ctx)
    return value if errors else values.get(key, value)


def _matches(
    writes: GuardedWrites, by: str, rows: Sequence[tuple[int, dict[str, Any]]]
) -> dict[int, int]:
    """Row number → the readable record holding the row's ``by`` value."""
    wanted: dict[Any, list[int]] = {}
    for number, values in rows:
        if by in values:
            wanted.setdefault(_stored_value(writes, by, values[by]), []).append(number)
    table = writes.entity.table
    column = table.c[by]
    found: dict[int, int] = {}
    names = list(wanted)
    for start in range(0, len(names), CHUNK):
        statement = select(table.c.id, column).where(
            column.in_(names[start : start + CHUNK]), table.c.deleted_at.is_(None)
        )
        if writes.readable is not None and writes.readable.scope is not None:
            statement = statement.where(writes.readable.scope)
        for record_id, value in writes.ctx.conn.execute(statement):
            for number in wanted.get(value, []):
                found[number] = int(record_id)
    return found


def _current(writes: GuardedWrites, record_id: int) -> Mapping[str, Any] | None:
    """The stored row of a live record the importer may read, else None."""
    table = writes.entity.table
    statement = select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    if writes.readable is not None and writes.readable.scope is not None:
        statement = statement.where(writes.readable.scope)
    row = writes.ctx.conn.execute(statement).first()
    return None if row is None else dict(row._mapping)


def _updatable(writes: GuardedWrites, record_id: int) -> bool:
    """Whether the record is in the importer's update scope."""
    if not writes.access.allows("update"):
        return False
    scope = writes.access.condition("update", writes.entity.table)
    if scope is None:
        return True
    table = writes.entity.table
    found = writes.ctx.conn.execute(select(table.c.id).where(table.c.id == record_id, scope))
    return found.first() is not None


def _denied(entity: EntityRuntime) -> Message:
    return Message("record.denied_one", action=Message("verb.update"), entity=label_of(entity))


def _changes(
    writes: GuardedWrites, current: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[str, ...] | None:
    """The fields ``values`` would change; None when they are invalid (the update says why)."""
    entity = writes.entity
    existing = {b.key: current[b.key] for b in entity.stored}
    stored, errors = validate_values(entity.fields, values, writes.ctx, existing=existing)
    if errors:
        return None
    return tuple(k for k in values if k in existing and not _same(stored.get(k), existing[k]))


def _same(cell: Any, stored: Any) -> bool:
    """Whether a cell's value is the stored one, at the precision of a cell: a
    date-time set by ``NOW()`` has microseconds, which no export writes."""
    if isinstance(cell, datetime) and isinstance(stored, datetime):
        return cell.replace(microsecond=0) == stored.replace(microsecond=0)
    return bool(cell == stored)


@dataclass
class _Run:
    writes: GuardedWrites
    prepared: Prepared
    keys: RowKeys
    outcome: Outcome = field(default_factory=Outcome)

    @property
    def headers(self) -> dict[str, str]:
        return {c.bound.key: c.header for c in self.prepared.columns}

    def fail(self, number: int, field_name: str, message: str, column: str | None) -> None:
        problem = Problem(f"rows[{number}].{field_name}", message, number, column)
        self.outcome.problems.append(problem)

    def update(self, number: int, record_id: int, values: dict[str, Any]) -> None:
        writes, entity = self.writes, self.writes.entity
        current = _current(writes, record_id)
        if current is None:
            message = Message("value.no_record", entity=noun_of(entity), id=record_id)
            self.fail(number, "id", message, self.keys.id_header)
            return
        # "Unchanged" compares the file with the stored values the importer may
        # read, never with values masked from them — else a dry run would answer
        # yes or no to a guessed pool phone number. A blank cell of a masked value
        # is what their export showed, not a change. So a readable record they may
        # not change (a pool lead) exported and imported back is unchanged too.
        masked = writes.access.masks.masked_now(writes.ctx.conn, entity.table, record_id)
        if masked:
            values = {k: v for k, v in values.items() if not (k in masked and is_blank(v))}
        changed = None if masked & values.keys() else _changes(writes, current, values)
        if changed == ():
            self.outcome.results.append(RowResult(number, "unchanged", record_id))
            return
        if not _updatable(writes, record_id):
            self.fail(number, "id", _denied(entity), self.keys.id_header)
            return
        version = int(current["version"])
        exported = self.keys.versions.get(number)
        if exported is not None and exported != version:
            message = Message("import.stale", exported=exported, current=version)
            self.fail(number, "version", message, "version")
            return
        problems_before = len(self.outcome.problems)
        try:
            writes.update(record_id, values, version)
        except RecordInvalid as err:
            self.outcome.problems += row_problems(err, [(number, values)], self.headers)
        except DomainError as err:  # refused: out of the update scope, a guard, a conflict
            self.fail(number, "id", err.problem_detail(), self.keys.id_header)
        if len(self.outcome.problems) == problems_before:
            self.outcome.results.append(RowResult(number, "updated", record_id, changed or ()))

    def create(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        if not rows:
            return
        try:
            ids = self.writes.create_many([values for _, values in rows])
        except RecordInvalid as err:
            # The rows without a problem of their own would be created: report them so.
            self.outcome.problems += row_problems(err, rows, self.headers)
            self.outcome.results += [RowResult(number, "created") for number, _ in rows]
            return
        except AccessDenied as err:
            for number, _ in rows:
                self.fail(number, "id", err.problem_detail(), self.keys.id_header)
            return
        for (number, _), record_id in zip(rows, ids, strict=True):
            self.outcome.results.append(RowResult(number, "created", record_id))


def apply_rows(
    writes: GuardedWrites, prepared: Prepared, keys: RowKeys, matching: Matching
) -> Outcome:
    """Create, update or leave each prepared row, in the caller's transaction.

    Returns what every row did and every problem; the caller rolls back when
    there is any (all or nothing), and always for a dry run.
    """
    run = _Run(writes, prepared, keys)
    run.outcome.problems += prepared.problems
    creates: list[tuple[int, dict[str, Any]]] = []
    if not matching.updates:
        creates = list(prepared.rows)
    else:
        run.outcome.problems += keys.problems
        unreadable = {p.row for p in keys.problems}
        rows = [(n, v) for n, v in prepared.rows if n not in unreadable]
        by_value = _matches(writes, matching.by, rows) if matching.by else {}
        claimed: dict[int, int] = {}
        for number, values in rows:
            record_id = keys.ids.get(number, by_value.get(number))
            if record_id is None:
                if matching.mode == "update":
                    noun = noun_of(writes.entity)
                    message = (
                        Message(
                            "import.no_id_nor",
                            entity=noun,
                            by=label_of(writes.entity.fields[matching.by]),
                        )
                        if matching.by
                        else Message("import.no_id", entity=noun)
                    )
                    run.fail(number, "id", message, keys.id_header)
                else:
                    creates.append((number, values))
            elif record_id in claimed:
                noun = noun_of(writes.entity)
                message = Message("import.same_record", entity=noun, row=claimed[record_id])
                run.fail(number, "id", message, keys.id_header)
            else:
                claimed[record_id] = number
                run.update(number, record_id, values)
    run.create(creates)
    failed = {p.row for p in run.outcome.problems if p.row is not None}
    run.outcome.results = [r for r in run.outcome.results if r.row not in failed]
    run.outcome.results += [RowResult(n, "failed") for n in sorted(failed)]
    run.outcome.results.sort(key=lambda r: r.row)
    order = {c.bound.key: i for i, c in enumerate(prepared.columns)}
    run.outcome.problems.sort(
        key=lambda p: (p.row or 0, order.get(p.field.split(".", 1)[-1].split(".")[0], -1))
    )
    return run.outcome


__all__ = [
    "MODES",
    "STATUSES",
    "Matching",
    "Mode",
    "Outcome",
    "RowKeys",
    "RowResult",
    "RowsInvalid",
    "Status",
    "apply_rows",
    "check_matching",
    "row_keys",
]
