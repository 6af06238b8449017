"""Text: CONCAT, LEN, LEFT, RIGHT, MID, UPPER, LOWER, TRIM, SUBSTITUTE, CONTAINS,
STARTSWITH, ENDSWITH, REPT, TEXT, VALUE.

A blank argument counts as the empty text ``''``; numbers and dates given
where text is expected are turned into text first (``LEN(12345)`` is 5).
Every function that can grow a text checks the result size before building
it (``MAX_STRING_LENGTH``). Positions are 1-based as in spreadsheets.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from engine.expressions.context import EvalContext
from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_FORMAT_LENGTH
from engine.expressions.values import (
    as_int,
    check_text,
    check_text_size,
    is_number,
    mul,
    to_decimal,
    to_text,
    type_name,
)
from engine.i18n import Message

from .spec import FunctionSet

functions = FunctionSet("text")


def _count(value: Any, what: str) -> int:
    count = as_int(value, what)
    if count < 0:
        raise ExpressionError(Message("formula.negative", what=what))
    return count


@functions.function(
    "CONCAT",
    args=(1, None),
    signature="CONCAT(value, …)",
    doc="Joins its arguments as text; blanks are skipped, lists are joined with `, `.",
    example="CONCAT(name, ' (', code, ')')",
    example_values={"name": "Acme", "code": "CUS-0007"},
    result="Acme (CUS-0007)",
)
def concat(*values: Any) -> str:
    parts: list[str] = []
    size = 0
    for value in values:
        part = to_text(value)
        size += len(part)
        check_text_size(size)
        parts.append(part)
    return "".join(parts)


@functions.function(
    "LEN",
    args=(1, 1),
    signature="LEN(text)",
    doc="The number of characters of a text (0 when blank), or of items of a list.",
    example="LEN('合同编号')",
    result=4,
)
def len_(value: Any) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    return len(to_text(value))


@functions.function(
    "LEFT",
    args=(1, 2),
    signature="LEFT(text, [count])",
    doc="The first `count` characters (default 1).",
    example="LEFT('Shanghai', 5)",
    result="Shang",
)
def left(value: Any, count: Any = 1) -> str:
    return to_text(value)[: _count(count, "LEFT's count")]


@functions.function(
    "RIGHT",
    args=(1, 2),
    signature="RIGHT(text, [count])",
    doc="The last `count` characters (default 1).",
    example="RIGHT(phone, 4)",
    example_values={"phone": "13812345678"},
    result="5678",
)
def right(value: Any, count: Any = 1) -> str:
    n = _count(count, "RIGHT's count")
    return to_text(value)[-n:] if n else ""


@functions.function(
    "MID",
    args=(3, 3),
    signature="MID(text, start, count)",
    doc="`count` characters starting at position `start` (the first character is 1).",
    example="MID('2024-03-15', 6, 2)",
    result="03",
)
def mid(value: Any, start: Any, count: Any) -> str:
    first = as_int(start, "MID's start")
    if first < 1:
        raise ExpressionError(Message("formula.mid_start"))
    return to_text(value)[first - 1 : first - 1 + _count(count, "MID's count")]


@functions.function(
    "UPPER",
    args=(1, 1),
    signature="UPPER(text)",
    doc="The text in capitals.",
    example="UPPER('vip')",
    result="VIP",
)
def upper(value: Any) -> str:
    return check_text(to_text(value).upper())


@functions.function(
    "LOWER",
    args=(1, 1),
    signature="LOWER(text)",
    doc="The text in small letters.",
    example="LOWER('VIP')",
    result="vip",
)
def lower(value: Any) -> str:
    return check_text(to_text(value).lower())


@functions.function(
    "TRIM",
    args=(1, 1),
    signature="TRIM(text)",
    doc="Removes leading and trailing white space and collapses inner runs to one space.",
    example="TRIM('  Acme   Ltd ')",
    result="Acme Ltd",
)
def trim(value: Any) -> str:
    return " ".join(to_text(value).split())


@functions.function(
    "SUBSTITUTE",
    args=(3, 3),
    signature="SUBSTITUTE(text, old, new)",
    doc="Replaces every occurrence of `old` by `new` (unchanged when `old` is empty).",
    example="SUBSTITUTE('2024/03/15', '/', '-')",
    result="2024-03-15",
)
def substitute(value: Any, old: Any, new: Any) -> str:
    text, old_text, new_text = to_text(value), to_text(old), to_text(new)
    if not old_text:
        return text
    count = text.count(old_text)
    check_text_size(len(text) + count * (len(new_text) - len(old_text)))
    return text.replace(old_text, new_text)


@functions.function(
    "CONTAINS",
    args=(2, 2),
    signature="CONTAINS(text, part)",
    doc="True when `part` occurs in `text` (case-sensitive); false when `text` is blank.",
    example="CONTAINS(email, '@')",
    example_values={"email": "li@example.com"},
    result=True,
)
def contains(value: Any, part: Any) -> bool:
    if value is None:
        return False
    return to_text(part) in to_text(value)


@functions.function(
    "STARTSWITH",
    args=(2, 2),
    signature="STARTSWITH(text, prefix)",
    doc="True when `text` begins with `prefix` (case-sensitive).",
    example="STARTSWITH(code, 'CUS-')",
    example_values={"code": "CUS-0007"},
    result=True,
)
def startswith(value: Any, prefix: Any) -> bool:
    if value is None:
        return False
    return to_text(value).startswith(to_text(prefix))


@functions.function(
    "ENDSWITH",
    args=(2, 2),
    signature="ENDSWITH(text, suffix)",
    doc="True when `text` ends with `suffix` (case-sensitive).",
    example="ENDSWITH('report.pdf', '.pdf')",
    result=True,
)
def endswith(value: Any, suffix: Any) -> bool:
    if value is None:
        return False
    return to_text(value).endswith(to_text(suffix))


@functions.function(
    "REPT",
    args=(2, 2),
    signature="REPT(text, times)",
    doc="The text repeated `times` times (the result is limited like every text).",
    example="REPT('★', 3)",
    result="★★★",
)
def rept(value: Any, times: Any) -> str:
    result: str = mul(to_text(value), _count(times, "REPT's times"))
    return result


# ------------------------------------------------------------------- TEXT()

_NUMBER_FORMAT = re.compile(
    r"^(?P<prefix>[^#0.,%]*)(?P<int>[#0,]*)(?:\.(?P<frac>[#0]*))?(?P<suffix>[^#0.,]*)$"
)
_DATE_TOKENS = re.compile(r"YYYY|yyyy|YY|yy|MM|M|DD|dd|D|d|HH|H|mm|ss")


def _format_number(value: Any, pattern: str) -> str:
    match = _NUMBER_FORMAT.match(pattern)
    if not match or not (match["int"] or match["frac"]):
        raise ExpressionError(Message("formula.text_format", pattern=repr(pattern)))
    prefix, int_part, suffix = match["prefix"], match["int"], match["suffix"]
    frac = match["frac"] or ""
    number = to_decimal(value)
    if "%" in prefix or "%" in suffix:
        number *= 100
    max_decimals, min_decimals = len(frac), frac.count("0")
    try:
        rounded = number.quantize(Decimal(1).scaleb(-max_decimals), ROUND_HALF_UP)
    except InvalidOperation:
        raise ExpressionError(Message("formula.text_large")) from None
    negative = rounded < 0
    whole, _, decimals = format(abs(rounded), "f").partition(".")
    decimals = decimals.rstrip("0").ljust(min_decimals, "0")
    whole = whole.zfill(int_part.count("0"))
    if whole == "0" and "0" not in int_part:
        whole = ""
    if "," in int_part and whole:
        whole = f"{int(whole):,}"
    text = whole + ("." + decimals if decimals else "")
    return ("-" if negative else "") + prefix + text + suffix


def _format_date(value: date, pattern: str) -> str:
    def token(match: re.Match[str]) -> str:
        t = match.group()
        if t in ("YYYY", "yyyy"):
            return f"{value.year:04d}"
        if t in ("YY", "yy"):
            return f"{value.year % 100:02d}"
        if t == "MM":
            return f"{value.month:02d}"
        if t == "M":
            return str(value.month)
        if t in ("DD", "dd"):
            return f"{value.day:02d}"
        if t in ("D", "d"):
            return str(value.day)
        if not isinstance(value, datetime):
            return t
        if t == "HH":
            return f"{value.hour:02d}"
        if t == "H":
            return str(value.hour)
        if t == "mm":
            return f"{value.minute:02d}"
        return f"{value.second:02d}"

    return _DATE_TOKENS.sub(token, pattern)


@functions.function(
    "TEXT",
    args=(1, 2),
    signature="TEXT(value, [format])",
    doc="A number or date as text. Number formats: `0`, `0.00`, `#,##0.00`, `0%`, with "
    "any prefix/suffix (`¥#,##0.00`, `0.0 元`); date formats: `YYYY MM DD HH mm ss` "
    "(also `M D H`), date-times shown in the context's time zone.",
    example="TEXT(amount, '¥#,##0.00')",
    example_values={"amount": Decimal("1234.5")},
    result="¥1,234.50",
    kind="context",
)
def text(ctx: EvalContext, value: Any, pattern: Any = None) -> str:
    if value is None:
        return ""
    if pattern is None:
        return to_text(ctx.local(value) if isinstance(value, datetime) else value)
    if not isinstance(pattern, str):
        raise ExpressionError(Message("formula.text_format_type", got=type_name(pattern)))
    if len(pattern) > MAX_FORMAT_LENGTH:
        raise ExpressionError(Message("formula.text_format_long", max=MAX_FORMAT_LENGTH))
    if isinstance(value, datetime):
        return _format_date(ctx.local(value), pattern)
    if isinstance(value, date):
        return _format_date(value, pattern)
    if is_number(value) and not isinstance(value, bool):
        return _format_number(value, pattern)
    return to_text(value)


_VALUE_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


@functions.function(
    "VALUE",
    args=(1, 1),
    signature="VALUE(text)",
    doc="The number a text shows (`'1,234.50'`, `'¥99'`, `'15%'`); an error when it "
    "shows none. Whole numbers become integers, others exact decimals.",
    example="VALUE('1,234.50')",
    result=Decimal("1234.50"),
)
def value_(value: Any) -> Any:
    if value is None or (is_number(value) and not isinstance(value, bool)):
        return value
    if not isinstance(value, str):
        raise ExpressionError(Message("formula.value_text", got=type_name(value)))
    text = value.strip().replace(",", "").replace(" ", "").lstrip("¥￥$€£")
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if len(text) > 100 or not _VALUE_NUMBER.match(text):
        raise ExpressionError(Message("formula.value_number", value=repr(value[:50])))
    if percent:
        return Decimal(text) / 100
    if text.lstrip("+-").isdigit():
        return int(text)
    return Decimal(text)
