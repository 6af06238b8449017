"""Property tests: what the engine accepts reads back identical, on SQLite and PostgreSQL.

Hypothesis draws app definitions (one to three entities, each with a random
subset of field types and valid options) and records for them, installs the
app into the test tenant, creates the records through the engine (one batch
per entity, the bulk path) and reads them back, one by one and as a list.

* Accepted values read back exactly as the field type coerced them
  (``to_json(coerce(value))``, compared as JSON text, so ``1`` and ``1.0``
  differ). That expectation is computed in Python, independently of the
  database, and the examples are derandomised, so both backends see the very
  same examples: reading back the same on each means reading back identical
  on both.
* Values of a wrong JSON type (derived from the type's own JSON Schema) are
  refused with a ``FieldError`` naming exactly the wrong fields, and nothing
  crashes.

Values are drawn from the types' own rules where they publish them (the
regular expressions of email, phone and time, the address parts, the
coordinate ranges, the number limits) and kept only when the type's
``coerce`` accepts them, so the type itself says what is valid; the property
is that whatever it accepts, the databases store faithfully.
"""

from __future__ import annotations

import itertools
import json
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.apps import definition_json, install_app
from builder.validate import load_definition
from engine.definition import AppDefinition
from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import FieldInvalid, RecordInvalid
from engine.forms.field_types import address, email, location, number, percent, phone
from engine.forms.field_types import time as time_of_day
from engine.forms.field_types.base import BoundField, is_blank
from engine.forms.records import ListQuery, create_records, get_record, list_records
from engine.forms.runtime import build_runtime
from engine.forms.validation import typed_text, unstorable_text
from engine.platform import Platform

FIELD_TYPES = (
    "text",
    "number",
    "currency",
    "percent",
    "date",
    "datetime",
    "boolean",
    "select",
    "multiselect",
    "email",
    "phone",
    "url",
    "rating",
    "tags",
    "address",
    "location",
    "time",
)

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    # Both backends see the same examples, and CI runs are reproducible.
    derandomize=True,
    # Each example installs its own app into the one tenant of the test.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Refusals need no database round trip of values: fewer examples do.
REFUSAL = settings(PROPERTY, max_examples=15)

TEXT = st.characters(codec="utf-8")
# Option values are a designer's labels: control characters have no place in
# them (and the definition, stored as JSONB, could not hold a NUL).
OPTION_TEXT = st.characters(codec="utf-8", exclude_categories=["Cc"])
_app_numbers = itertools.count(1)


# -- options: valid by the option models' own bounds ----------------------------
def _bounds(draw: st.DrawFn) -> dict[str, float]:
    limits = draw(st.lists(st.integers(-(10**9), 10**9), min_size=0, max_size=2))
    limits.sort()
    names = draw(st.sampled_from([("min", "max"), ("min",), ("max",)]))
    if len(limits) == 2:
        return dict(zip(("min", "max"), limits, strict=True))
    return dict(zip(names, limits, strict=False))


def _choices(draw: st.DrawFn) -> list[dict[str, str]]:
    values = draw(
        st.lists(st.text(OPTION_TEXT, min_size=1, max_size=64), min_size=1, max_size=6, unique=True)
    )
    return [{"value": v} for v in values]


@st.composite
def options_of(draw: st.DrawFn, type_key: str) -> dict[str, Any]:
    """Valid type options for a field of ``type_key``."""
    if type_key == "text":
        return {"max_length": draw(st.integers(1, 300))}
    if type_key == "number":
        return {"precision": draw(st.none() | st.integers(0, 8)), **_bounds(draw)}
    if type_key == "currency":
        code = draw(st.text(string.ascii_uppercase, min_size=3, max_size=3))
        return {"precision": draw(st.integers(0, 4)), "currency": code, **_bounds(draw)}
    if type_key == "percent":
        return {"precision": draw(st.none() | st.integers(0, 4))}
    if type_key == "select":
        return {"options": _choices(draw)}
    if type_key == "multiselect":
        choices = _choices(draw)
        return {
            "options": choices,
            "max_items": draw(st.none() | st.integers(1, len(choices))),
        }
    if type_key == "rating":
        return {"max": draw(st.integers(1, 10))}
    if type_key == "tags":
        return {"max_count": draw(st.integers(1, 8)), "max_length": draw(st.integers(1, 20))}
    return {}


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A valid definition, as installing stores it (``definition_json``)."""
    entities = []
    for e in range(draw(st.integers(1, 3))):
        types = draw(st.lists(st.sampled_from(FIELD_TYPES), min_size=1, max_size=12))
        fields = [
            {"key": f"{type_key}_{i}", "type": type_key, **draw(options_of(type_key))}
            for i, type_key in enumerate(types)
        ]
        entities.append({"key": f"e{e}", "fields": fields})
    return definition_json(
        load_definition({"key": "app", "version": "1.0.0", "entities": entities})
    )


# -- values: drawn from the types' rules, kept when the type accepts them --------
def _decimals(
    field: BoundField, places: int | None, limit: Decimal | None = None
) -> st.SearchStrategy[Any]:
    """Numbers within the field's min/max and the type's own size limit."""
    options = field.options
    if places is None:
        low = -1e300 if options.min is None else options.min
        high = 1e300 if options.max is None else options.max
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    step = Decimal(1).scaleb(-places)
    largest = Decimal(10) ** (number.MAX_DIGITS - places) - step
    if limit is not None:
        largest = min(largest, limit - step)
    low_d = -largest if options.min is None else max(-largest, Decimal(str(options.min)))
    high_d = largest if options.max is None else min(largest, Decimal(str(options.max)))
    exact = st.decimals(low_d, high_d, places=places, allow_nan=False, allow_infinity=False)
    # As a client sends it: a JSON number (maybe inexact), or a numeric string.
    return exact.flatmap(lambda d: st.sampled_from([float(d), str(d)]))


def _percent_places(field: BoundField) -> int | None:
    precision = field.options.precision
    return None if precision is None else precision + 2


# Built once: regular-expression strategies are costly to build.
ZONES = [None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
DATES = st.dates().map(lambda day: day.isoformat())
DATETIMES = st.datetimes(timezones=st.sampled_from(ZONES)).map(lambda moment: moment.isoformat())
EMAILS = st.from_regex(email.EMAIL, fullmatch=True)
PHONES = st.one_of(*(st.from_regex(p, fullmatch=True) for p in phone.FORMATS))
TIMES = st.from_regex(time_of_day.TIME, fullmatch=True)
URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["http", "https", "HTTPS"]),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True),
    st.text(string.ascii_letters + string.digits + "/-_.~%?=&", max_size=40),
)
ADDRESSES = st.fixed_dictionaries(
    {}, optional={part: st.text(TEXT, max_size=n) for part, n in address.PARTS.items()}
)
LOCATIONS = st.fixed_dictionaries(
    {name: st.floats(-limit, limit) for name, limit in location.RANGES.items()},
    optional={"address": st.text(TEXT, max_size=location.MAX_ADDRESS)},
)


VALUES: dict[str, Callable[[BoundField], st.SearchStrategy[Any]]] = {
    "text": lambda f: st.text(TEXT, max_size=f.options.max_length),
    "number": lambda f: _decimals(f, f.options.precision),
    "currency": lambda f: _decimals(f, f.options.precision),
    "percent": lambda f: _decimals(f, _percent_places(f), Decimal(percent.LIMIT)),
    "date": lambda f: DATES,
    "datetime": lambda f: DATETIMES,
    "boolean": lambda f: st.booleans(),
    "select": lambda f: st.sampled_from(sorted(f.options.values())),
    "multiselect": lambda f: st.lists(
        st.sampled_from(sorted(f.options.values())), unique=True, max_size=f.options.max_items
    ),
    "email": lambda f: EMAILS,
    "phone": lambda f: PHONES,
    "url": lambda f: URLS,
    "rating": lambda f: st.integers(1, f.options.max),
    "tags": lambda f: st.lists(
        st.text(TEXT, min_size=1, max_size=f.options.max_length), max_size=f.options.max_count
    ),
    "address": lambda f: ADDRESSES,
    "location": lambda f: LOCATIONS,
    "time": lambda f: TIMES,
}


def accepts(field: BoundField, value: Any) -> bool:
    """Whether the engine takes ``value``: storable text, and its type coerces it."""
    if unstorable_text(value) is not None:
        return False
    value = typed_text(field, value)  # blanks around a text are not part of it
    if value is None:
        return True
    try:
        field.type.coerce(value, field)
    except FieldInvalid:
        return False
    return True


def valid_values(field: BoundField) -> st.SearchStrategy[Any]:
    return VALUES[field.type.key](field).filter(lambda value: accepts(field, value))


def expected_json(field: BoundField, value: Any) -> Any:
    """What the field reads back as: its type's JSON of its coerced value."""
    value = typed_text(field, value)
    stored = None if is_blank(value) else field.type.coerce(value, field)
    return field.type.to_json(stored, field)


#: Wrong JSON values per JSON-Schema type. Numbers accept numeric strings and
#: a rating accepts 4.0, so text is not "wrong" for them.
JSON_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "boolean": st.booleans(),
    "integer": st.integers(-(10**6), 10**6),
    "number": st.floats(-1e6, 1e6, allow_nan=False),
    "string": st.text(TEXT, min_size=1, max_size=10),
    "array": st.lists(st.integers(), min_size=1, max_size=3),
    "object": st.dictionaries(st.text(TEXT, max_size=5), st.integers(), min_size=1, max_size=3),
}
NOT_WRONG = {"number": {"number", "integer", "string"}, "integer": {"number", "integer", "string"}}


def wrong_values(field: BoundField) -> st.SearchStrategy[Any]:
    declared = field.type.json_schema(field)["type"]
    right = NOT_WRONG.get(declared, {declared})
    return st.one_of(*(s for kind, s in JSON_SCALARS.items() if kind not in right))


# -- apps with records ---------------------------------------------------------
@st.composite
def apps_with_records(
    draw: st.DrawFn,
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    definition = draw(definitions())
    runtime = build_runtime(AppDefinition.model_validate(definition))
    records: dict[str, list[dict[str, Any]]] = {}
    for key, entity in runtime.entities.items():
        record = st.fixed_dictionaries(
            {}, optional={f.key: valid_values(f) for f in entity.fields.values()}
        )
        records[key] = draw(st.lists(record, min_size=1, max_size=8))
    return definition, records


@st.composite
def apps_with_wrong_values(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """A one-entity app, and a record with some valid and some wrongly typed values."""
    definition = draw(definitions())
    definition["entities"] = definition["entities"][:1]
    entity = build_runtime(AppDefinition.model_validate(definition)).entities["e0"]
    fields = list(entity.fields.values())
    wrong = draw(st.lists(st.sampled_from(fields), min_size=1, unique_by=lambda f: f.key))
    record = {f.key: draw(wrong_values(f)) for f in wrong}
    for field in fields:
        if field.key not in record and draw(st.booleans()):
            record[field.key] = draw(valid_values(field))
    return definition, record, {f.key for f in wrong}


@contextmanager
def installed(platform: Platform, tenant: str, definition: dict[str, Any]) -> Iterator[str]:
    """Install ``definition`` under a key of its own, and drop its tables afterwards.

    Dropping keeps the tenant small: hundreds of examples (shrinking) would
    otherwise leave more tables than PostgreSQL can lock in the one
    ``DROP SCHEMA … CASCADE`` that removes the test tenant.
    """
    key = f"prop{next(_app_numbers)}"
    app = load_definition({**definition, "key": key})
    with platform.store.write(tenant) as conn:
        install_app(conn, app)
    try:
        yield key
    finally:
        runtime = build_runtime(app)
        with platform.store.write(tenant) as conn:
            runtime.metadata.drop_all(conn, tables=runtime.all_tables())


def as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@PROPERTY
@given(case=apps_with_records())
def test_accepted_values_read_back_identical(
    platform: Platform,
    tenant: str,
    case: tuple[dict[str, Any], dict[str, list[dict[str, Any]]]],
) -> None:
    definition, records = case
    with installed(platform, tenant, definition) as app:
        check_round_trip(platform, tenant, app, records)


def check_round_trip(
    platform: Platform, tenant: str, app: str, records: dict[str, list[dict[str, Any]]]
) -> None:
    now = datetime.now(UTC)
    with platform.store.write(tenant) as conn:
        runtime = platform.runtime(conn, tenant, app)
        ids = {
            key: create_records(
                WriteContext(conn, runtime, key, None, now), runtime.entities[key], rows
            )
            for key, rows in records.items()
        }
    with platform.store.read(tenant) as conn:
        runtime = platform.runtime(conn, tenant, app)
        for key, rows in records.items():
            entity = runtime.entities[key]
            ctx = ReadContext(conn, runtime, key)
            listed = list_records(ctx, entity, ListQuery(page_size=10, sort=["id"]))["items"]
            assert [item["id"] for item in listed] == ids[key]
            for record_id, row, item in zip(ids[key], rows, listed, strict=True):
                expected = {f.key: expected_json(f, row.get(f.key)) for f in entity.fields.values()}
                one = get_record(ctx, entity, record_id)
                for read in (one, item):
                    actual = {k: read[k] for k in expected}
                    assert as_json(actual) == as_json(expected), (row, actual, expected)


@REFUSAL
@given(case=apps_with_wrong_values())
def test_wrong_json_types_are_refused_naming_the_field(
    platform: Platform, tenant: str, case: tuple[dict[str, Any], dict[str, Any], set[str]]
) -> None:
    definition, record, wrong = case
    with installed(platform, tenant, definition) as app:
        check_refused(platform, tenant, app, record, wrong)


def check_refused(
    platform: Platform, tenant: str, app: str, record: dict[str, Any], wrong: set[str]
) -> None:
    try:
        with platform.store.write(tenant) as conn:
            runtime = platform.runtime(conn, tenant, app)
            ctx = WriteContext(conn, runtime, "e0", None, datetime.now(UTC))
            create_records(ctx, runtime.entities["e0"], [record])
    except RecordInvalid as err:
        assert {e.field for e in err.errors} == wrong, (record, err.errors)
        assert all(e.message for e in err.errors)
    else:
        raise AssertionError(f"{record!r} was accepted, but {sorted(wrong)} are wrongly typed")
    with platform.store.read(tenant) as conn:
        runtime = platform.runtime(conn, tenant, app)
        page = list_records(ReadContext(conn, runtime, "e0"), runtime.entities["e0"], ListQuery())
        assert page["total"] == 0  # nothing of the refused write stayed


@st.composite
def apps_with_unstorable_text(
    draw: st.DrawFn,
) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """A record whose text values hide a NUL or a lone surrogate, as JSON escapes can."""
    definition = draw(definitions())
    definition["entities"] = definition["entities"][:1]
    definition["entities"][0]["fields"].append({"key": "note", "type": "text"})
    entity = build_runtime(AppDefinition.model_validate(definition)).entities["e0"]
    texts = [f for f in entity.fields.values() if f.type.json_schema(f)["type"] == "string"]
    bad = draw(st.lists(st.sampled_from(texts), min_size=1, unique_by=lambda f: f.key))
    poison = st.sampled_from(["\x00", "\ud800", "\udfff"])
    record = {
        f.key: draw(st.text(TEXT, max_size=5)) + draw(poison) + draw(st.text(TEXT, max_size=5))
        for f in bad
    }
    return definition, record, {f.key for f in bad}


@REFUSAL
@given(case=apps_with_unstorable_text())
def test_text_no_database_can_store_is_refused_naming_the_field(
    platform: Platform, tenant: str, case: tuple[dict[str, Any], dict[str, Any], set[str]]
) -> None:
    definition, record, bad = case
    with installed(platform, tenant, definition) as app:
        check_refused(platform, tenant, app, record, bad)


# -- edges the properties once found -------------------------------------------
EDGES: dict[str, Any] = {
    "key": "edges",
    "version": "1.0.0",
    "entities": [
        {
            "key": "e0",
            "fields": [
                {"key": "at", "type": "datetime"},
                {"key": "share", "type": "percent", "precision": 4},
                {"key": "score", "type": "number"},
                {"key": "price", "type": "currency"},
                {"key": "place", "type": "location"},
                {"key": "mail", "type": "email"},
                {"key": "where", "type": "address"},
                {"key": "note", "type": "text"},
            ],
        }
    ],
}


def test_edges_read_back_identical(platform: Platform, tenant: str) -> None:
    """Zeros lose their sign, and the largest percentage the column holds fits."""
    rows = [
        {"score": -0.0, "price": "-0.00", "place": {"lat": -0.0, "lng": 0}, "share": -0.0},
        {"share": 999999.999999, "at": "0001-01-01T08:05:43+08:05:43"},
        {"share": "-999999.999999", "at": "9999-12-31T23:59:59.999999+00:00"},
    ]
    with installed(platform, tenant, EDGES) as app:
        check_round_trip(platform, tenant, app, {"e0": rows})
    score = build_runtime(load_definition(EDGES)).entities["e0"].fields["score"]
    assert as_json(expected_json(score, -0.0)) == "0.0"  # what both databases read back


UNSTORABLE_OR_OUT_OF_RANGE: list[tuple[str, Any]] = [
    ("at", "0001-01-01T00:00:00+08:00"),  # before year 1 in UTC
    ("at", "9999-12-31T23:00:00-05:00"),  # after year 9999 in UTC
    ("share", 1_000_000),  # 100,000,000%: more than the column holds
    ("share", "-1000000"),
    ("mail", "a\x00b@example.com"),
    ("where", {"city": "杭州\x00"}),
    ("place", {"lat": 1, "lng": 2, "address": "\ud800"}),
    ("note", "\udfff"),
]


@pytest.mark.parametrize(("key", "value"), UNSTORABLE_OR_OUT_OF_RANGE)
def test_edges_are_refused_naming_the_field(
    platform: Platform, tenant: str, key: str, value: Any
) -> None:
    with installed(platform, tenant, EDGES) as app:
        check_refused(platform, tenant, app, {key: value}, {key})
