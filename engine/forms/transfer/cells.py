"""One spreadsheet cell and one field value: what a person reads and types, not the wire form.

Export turns a record's JSON value into a cell (option labels, names and
titles, real dates and numbers); import turns a cell back into the JSON
value the records service validates. References (users, departments,
linked records) are named here and looked up by ``engine.forms.transfer.lookups``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField
from engine.i18n import Message

LANGS = ("zh-CN", "en")
BOOLEAN_WORDS = {"zh-CN": ("是", "否"), "en": ("Yes", "No")}
TRUE_WORDS = frozenset({"是", "对", "true", "yes", "y", "1", "✓", "√"})
FALSE_WORDS = frozenset({"否", "错", "false", "no", "n", "0"})
#: How list values are joined on export ...
JOIN = ", "
#: ... and split on import: ASCII and full-width commas and semicolons, the enumeration comma.
SPLIT = re.compile(r"\s*[,，;；、]\s*")
ADDRESS_PARTS = ("province", "city", "district", "detail")
#: What a spreadsheet may run as a formula (CSV/formula injection) at the start of a text:
#: ``= + - @``, their full-width forms (Excel and WPS with a Chinese IME take ``＝`` for
#: ``=``), and TAB, CR and LF, which some spreadsheets skip before reading a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
BLANK = object()


def text_of(label: Mapping[str, str] | None, lang: str, fallback: str) -> str:
    """A label in ``lang``, else in the other language, else ``fallback``."""
    if label:
        for candidate in (lang, *LANGS):
            if label.get(candidate):
                return label[candidate]
    return fallback


def kind_of(bound: BoundField) -> str:
    """The type a value behaves as: a formula behaves as its result type."""
    return bound.type.behaves_as(bound).key


def cell_of(bound: BoundField) -> str | None:
    """How the field's values fill a cell (``FieldType.cell``); None: they do not fit one."""
    return bound.type.behaves_as(bound).cell


def in_sheets(bound: BoundField) -> bool:
    """Whether values fit in one cell; files, signatures and child rows do not.

    Those are never exported and refused on import.
    """
    return cell_of(bound) is not None


def number_format(bound: BoundField) -> str | None:
    """The XLSX number format of a column, so dates and percentages read as such."""
    return bound.type.behaves_as(bound).sheet_format


# -- export -------------------------------------------------------------------
def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula; numbers are never texts."""
    return text.startswith(FORMULA_STARTS)


def choice_labels(bound: BoundField, lang: str) -> dict[str, str]:
    return {c.value: text_of(c.label, lang, c.value) for c in bound.options.options}


def _named(value: Any, title: Any) -> str:
    return str(title) if title not in (None, "") else f"#{value}"


def to_cell(bound: BoundField, value: Any, display: Any, lang: str, tz: ZoneInfo) -> Any:
    """The cell of one JSON value: a str, number, bool word, date, datetime or time.

    ``tz`` is the tenant's time zone: a date-time is written as its wall clock there.
    """
    if value is None or value == [] or value == {} or value == "":
        return None
    kind = cell_of(bound)
    if kind == "choice":
        return choice_labels(bound, lang).get(value, value)
    if kind == "choices":
        labels = choice_labels(bound, lang)
        return JOIN.join(labels.get(v, v) for v in value)
    if kind == "reference":
        return _named(value, display)
    if kind == "references":
        titles = display if isinstance(display, list) else [None] * len(value)
        return JOIN.join(_named(v, t) for v, t in zip(value, titles, strict=False))
    if kind == "boolean":
        yes, no = BOOLEAN_WORDS.get(lang, BOOLEAN_WORDS["en"])
        return yes if value else no
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if kind == "datetime" and isinstance(value, str):
        # Spreadsheets have no time zones: the tenant's local time, as the UI shows it.
        return dt.datetime.fromisoformat(value).astimezone(tz).replace(tzinfo=None)
    if kind == "time" and isinstance(value, str):
        return dt.time.fromisoformat(value)
    if kind == "tags" and isinstance(value, list):
        return JOIN.join(str(v) for v in value)
    if kind == "address" and isinstance(value, dict):
        return "/".join(str(value.get(part) or "") for part in ADDRESS_PARTS).rstrip("/")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def csv_text(bound: BoundField | None, cell: Any) -> str:
    """A cell as CSV text: ISO dates, percentages with a % sign."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ", timespec="seconds")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    if bound is not None and cell_of(bound) == "percent" and isinstance(cell, int | float):
        return f"{(Decimal(str(cell)) * 100).normalize():f}%"
    return str(cell)


# -- import -------------------------------------------------------------------
def split_list(text: str) -> list[str]:
    return [part for part in SPLIT.split(text.strip()) if part]


def choice_lookup(bound: BoundField) -> dict[str, str]:
    """Option value or label in either language (ignoring case) → option value."""
    found: dict[str, str] = {}
    for choice in bound.options.options:
        for label in (choice.label or {}).values():
            found.setdefault(label.strip().casefold(), choice.value)
    for choice in bound.options.options:
        found[choice.value.casefold()] = choice.value  # a value always means itself
    return found


def _choice(bound: BoundField, lookup: Mapping[str, str], text: str) -> str:
    value = lookup.get(text.strip().casefold())
    if value is None:
        choices = bound.options.options
        names = {
            "en": ", ".join(text_of(c.label, "en", c.value) for c in choices),
            "zh-CN": "、".join(text_of(c.label, "zh-CN", c.value) for c in choices),
        }
        raise FieldInvalid(Message("import.not_an_option", value=repr(text), options=names))
    return value


def _as_text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a phone number typed into Excel comes back as 13800138000.0
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ", timespec="seconds")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def _number(cell: Any, percent: bool) -> Any:
    if isinstance(cell, bool):
        raise FieldInvalid(Message("value.number"))
    if isinstance(cell, int | float | Decimal):
        return cell
    text = str(cell).strip().replace(",", "").replace("，", "").replace(" ", "")
    if percent and text.endswith("%"):
        try:
            return str(Decimal(text[:-1]) / 100)
        except InvalidOperation:
            raise FieldInvalid(Message("import.percent")) from None
    return text


def _boolean(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    word = _as_text(cell).strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise FieldInvalid(Message("import.boolean"))


def _date(cell: Any) -> str:
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    match = DATE_TEXT.match(_as_text(cell).strip())
    if match is None:
        raise FieldInvalid(Message("value.date"))
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        raise FieldInvalid(Message("value.date")) from None


def _datetime(cell: Any, tz: ZoneInfo) -> str:
    if isinstance(cell, dt.datetime):
        moment = cell
    elif isinstance(cell, dt.date):
        moment = dt.datetime.combine(cell, dt.time())
    else:
        text = _as_text(cell).strip().replace("/", "-")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise FieldInvalid(Message("import.datetime")) from None
    if moment.tzinfo is None:  # as exported: the tenant's local time
        moment = moment.replace(tzinfo=tz)
    return moment.isoformat()


def _address(text: str) -> dict[str, str]:
    parts = [part.strip() for part in text.split("/", len(ADDRESS_PARTS) - 1)]
    return {key: part for key, part in zip(ADDRESS_PARTS, parts, strict=False) if part}


#: Resolves the text of one reference (a name, a title, "#12") to an id, or raises FieldInvalid.
Resolve = Callable[[BoundField, str], int]


def from_cell(bound: BoundField, cell: Any, resolve: Resolve, tz: ZoneInfo) -> Any:
    """The JSON value of one cell for ``bound``, ``BLANK`` for an empty cell.

    ``tz`` is the tenant's time zone: a date-time without an offset is read in it.

    Raises ``FieldInvalid`` when the cell cannot be read as the field's kind
    of value; the records service then checks the value itself.
    """
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return BLANK
    kind = cell_of(bound)
    if kind == "text":
        return _as_text(cell)
    if kind in ("number", "percent"):
        return _number(cell, kind == "percent")
    if kind == "boolean":
        return _boolean(cell)
    if kind == "date":
        return _date(cell)
    if kind == "datetime":
        return _datetime(cell, tz)
    if kind == "time":
        return cell.isoformat() if isinstance(cell, dt.time) else _as_text(cell).strip()
    text = _as_text(cell).strip()
    if kind == "choice":
        return _choice(bound, choice_lookup(bound), text)
    if kind == "choices":
        lookup = choice_lookup(bound)
        if text.casefold() in lookup:  # a label that itself contains a comma
            return [lookup[text.casefold()]]
        return [_choice(bound, lookup, part) for part in split_list(text)]
    if kind == "reference":
        return resolve(bound, text)
    if kind == "references":
        return [resolve(bound, part) for part in split_list(text)]
    if kind == "tags":
        return split_list(text)
    if kind == "address":
        return _address(text)
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            raise FieldInvalid(Message("import.json")) from None
    return text


def texts_of(cells: Sequence[Any], bound: BoundField) -> set[str]:
    """Every reference text a column holds, so they are looked up in one batch."""
    found: set[str] = set()
    many = cell_of(bound) == "references"
    for cell in cells:
        if cell is None:
            continue
        text = _as_text(cell).strip()
        if text:
            found.update(split_list(text) if many else [text])
    return found


__all__ = [
    "BLANK",
    "FORMULA_STARTS",
    "LANGS",
    "Resolve",
    "cell_of",
    "csv_text",
    "from_cell",
    "in_sheets",
    "kind_of",
    "looks_like_formula",
    "number_format",
    "text_of",
    "texts_of",
    "to_cell",
]
