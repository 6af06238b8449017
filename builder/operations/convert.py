"""Converting stored values from one field definition to another.

A value is converted by the new field type itself: the old stored value, or
its JSON form, or a plain reading of it as text, is given to the new type's
``coerce``, which accepts it or says why not. So "safe" is decided by the
data, value by value: a text field holding only numbers becomes a number
field, one holding "n/a" somewhere does not, and the answer names the
records in the way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from builder.ddl import scan
from builder.operations.base import MAX_NAMED_RECORDS, RecordProblem
from engine.forms import BoundField, FieldInvalid


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(str(v) for v in value)
    return None


def _candidates(value: Any, old: BoundField) -> Iterator[Any]:
    """The readings of a stored value a new type may accept, most faithful first."""
    yield value
    try:
        data = old.type.to_json(value, old)
    except (TypeError, ValueError):
        data = None
    if data is not None and data != value:
        yield data
    if isinstance(data, list) and len(data) == 1:
        yield data[0]
    if isinstance(data, str):
        yield [data]
    as_text = _as_text(value)
    if as_text is not None:
        yield as_text


def convert_value(value: Any, old: BoundField, new: BoundField) -> Any:
    """The value ``new`` stores for ``old``'s stored ``value``; ``FieldInvalid`` if none."""
    if value is None:
        return None
    first: FieldInvalid | None = None
    for candidate in _candidates(value, old):
        try:
            return new.type.coerce(candidate, new)
        except FieldInvalid as err:
            first = first or err
        except (TypeError, ValueError, ArithmeticError):
            continue
    raise first or FieldInvalid(f"cannot be read as a {new.defn.type} value")


def json_value(value: Any, field: BoundField) -> Any:
    """A stored value as the API shows it (for naming it in a problem)."""
    try:
        data = field.type.to_json(value, field)
        json.dumps(data)
        return data
    except (TypeError, ValueError):
        return str(value)


@dataclass
class ConversionScan:
    """The outcome of converting every value of a column (nothing written)."""

    failures: list[RecordProblem] = field(default_factory=list)
    failed: int = 0
    changed: int = 0

    def fail(self, problem: RecordProblem) -> None:
        self.failed += 1
        if len(self.failures) < MAX_NAMED_RECORDS:
            self.failures.append(problem)


def _unique_key(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str)
    return value


def converted_batches(
    conn: Connection,
    table_name: str,
    column_name: str,
    old: BoundField,
    new: BoundField,
    in_child_table: bool,
    result: ConversionScan,
) -> Iterator[list[tuple[int, Any, Any]]]:
    """Batches of ``(id, old value, new value)`` for the values that convert.

    Failures (and duplicates, when the new field is unique) go to ``result``.
    """
    extra = ("parent_id", "position") if in_child_table else ()
    column_type = old.type.column_type(old)
    seen: dict[Any, int] = {}
    for rows in scan(conn, table_name, column_name, column_type, extra):
        batch: list[tuple[int, Any, Any]] = []
        for row in rows:
            record_id, value = int(row[0]), row[1]
            named_id, line = (int(row[2]), int(row[3]) + 1) if in_child_table else (record_id, None)
            try:
                converted = convert_value(value, old, new)
            except FieldInvalid as err:
                result.fail(RecordProblem(named_id, json_value(value, old), err.message, line))
                continue
            if new.defn.unique and converted is not None:
                key = _unique_key(converted)
                if key in seen:
                    result.fail(
                        RecordProblem(
                            named_id,
                            json_value(value, old),
                            f"would equal record #{seen[key]} and the field must be unique",
                            line,
                        )
                    )
                    continue
                seen[key] = named_id
            if converted != value:
                result.changed += 1
            batch.append((record_id, value, converted))
        yield batch


def scan_conversion(
    conn: Connection,
    table_name: str,
    column_name: str,
    old: BoundField,
    new: BoundField,
    in_child_table: bool,
) -> ConversionScan:
    result = ConversionScan()
    for _ in converted_batches(conn, table_name, column_name, old, new, in_child_table, result):
        pass
    return result
