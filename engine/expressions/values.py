"""Runtime semantics of values and operators: blanks, numbers, text, dates.

Every operator of the language is one function here, so the closures built
by the compiler, the functions of the library and constant folding share one
definition of what ``+`` or ``<`` means:

* a blank (``None``) operand makes arithmetic blank and ordering comparisons
  false; ``==``/``!=`` treat blank as a value of its own;
* division (``/``, ``//``, ``%``) by zero is blank, never an error;
* a ``Decimal`` mixed with a ``float`` turns the float into the ``Decimal`` of
  its shortest repr (``0.1`` → ``Decimal('0.1')``), so money stays exact;
* a ``date`` compared with (or subtracted from) a ``datetime`` is midnight
  of that day in the other value's time zone;
* anything else that does not fit raises ``ExpressionError`` with a message
  for the author of the formula, never a bare ``TypeError``.

The fast paths test ``type(a) is type(b)`` first: evaluation speed is part
of the contract (see ``bench/expressions.py``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.i18n import Message

from .errors import ExpressionError, ExpressionLimitError
from .limits import MAX_EXPONENT, MAX_INT_BITS, MAX_STRING_LENGTH

NUMBER_TYPES: frozenset[type] = frozenset({int, float, Decimal, bool})
_INT_FLOAT: frozenset[type] = frozenset({int, float})
_FAST_ORDER: frozenset[type] = frozenset({int, float, Decimal, str, date, bool})


def type_name(value: Any) -> str:
    """The user-facing name of a value's type, for error messages."""
    # A Message is its English text, so messages that embed it read the same in
    # English and name the type in the reader's language at the API.
    if value is None:
        return Message("formula.type_blank")
    if isinstance(value, bool):
        return Message("formula.type_boolean")
    if isinstance(value, int | float | Decimal):
        return Message("formula.type_number")
    if isinstance(value, str):
        return Message("formula.type_text")
    if isinstance(value, datetime):
        return Message("formula.type_datetime")
    if isinstance(value, date):
        return Message("formula.type_date")
    if isinstance(value, list | tuple):
        return Message("formula.type_list")
    if isinstance(value, Mapping):
        return Message("formula.type_row")
    return type(value).__name__


def is_number(value: Any) -> bool:
    return type(value) in NUMBER_TYPES


_FLOAT_DECIMALS: dict[float, Decimal] = {}


def to_decimal(value: Any) -> Decimal:
    """A number as ``Decimal``; a float goes through its shortest repr."""
    if type(value) is Decimal:
        return value
    if type(value) is float:
        # The same few floats (discount rates, tax rates) recur: remember them.
        result = _FLOAT_DECIMALS.get(value)
        if result is None:
            result = Decimal(repr(value))
            if len(_FLOAT_DECIMALS) >= 4096:
                _FLOAT_DECIMALS.clear()
            _FLOAT_DECIMALS[value] = result
        return result
    return Decimal(int(value))


def unify_numbers(a: Any, b: Any) -> tuple[Any, Any]:
    """Both numbers as ``Decimal`` when either is one; unchanged otherwise."""
    if type(a) is Decimal or type(b) is Decimal:
        return to_decimal(a), to_decimal(b)
    return a, b


def check_int(value: int) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise ExpressionLimitError(Message("formula.too_large_max"))
    return value


def check_text(value: str) -> str:
    if len(value) > MAX_STRING_LENGTH:
        raise ExpressionLimitError(
            f"text would be longer than {MAX_STRING_LENGTH:,} characters ({len(value):,})"
        )
    return value


def check_text_size(size: int) -> None:
    """Refuse before building a text of ``size`` characters."""
    if size > MAX_STRING_LENGTH:
        raise ExpressionLimitError(
            f"text would be longer than {MAX_STRING_LENGTH:,} characters ({size:,})"
        )


def to_text(value: Any) -> str:
    """How a value reads when it becomes text (``CONCAT``, ``TEXT(x)``, ``LEN``)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        parts: list[str] = []
        size = 0
        for item in value:
            part = to_text(item)
            size += len(part) + 2
            check_text_size(size)
            parts.append(part)
        return ", ".join(parts)
    if isinstance(value, str):  # a str subclass
        return str(value)
    raise ExpressionError(Message("formula.no_text", type=type_name(value)))


def as_int(value: Any, what: str) -> int:
    """An argument that must be a whole number (``Decimal('2')`` and ``2.0`` are)."""
    if type(value) is int:
        return value
    if is_number(value):
        whole = (
            value.is_integer()
            if isinstance(value, float)
            else not isinstance(value, Decimal) or value == value.to_integral_value()
        )
        if not whole:
            raise ExpressionError(Message("formula.whole_got", what=what, got=to_text(value)))
        try:
            return int(value)
        except (OverflowError, ValueError, ArithmeticError):
            raise ExpressionError(Message("formula.whole", what=what)) from None
    raise ExpressionError(Message("formula.whole_got", what=what, got=type_name(value)))


def _midnight(day: date, like: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=like.tzinfo)


def _unify_dates(a: date, b: date) -> tuple[date, date]:
    a_dt = isinstance(a, datetime)
    b_dt = isinstance(b, datetime)
    if a_dt and not b_dt:
        return a, _midnight(b, a)  # type: ignore[arg-type]
    if b_dt and not a_dt:
        return _midnight(a, b), b  # type: ignore[arg-type]
    if a_dt and b_dt and (a.tzinfo is None) != (b.tzinfo is None):  # type: ignore[attr-defined]
        raise ExpressionError(Message("formula.tz_mix"))
    return a, b


def _days(amount: Any) -> timedelta:
    try:
        return timedelta(days=float(amount))
    except (OverflowError, ValueError):
        raise ExpressionError(Message("formula.date_range")) from None


# ---------------------------------------------------------------- arithmetic


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is int or ta is float or ta is Decimal:
            return a + b
        if ta is str:
            check_text_size(len(a) + len(b))
            return a + b
    elif ta in _INT_FLOAT and tb in _INT_FLOAT:
        return a + b
    return _add_slow(a, b)


def _add_slow(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        a, b = unify_numbers(a, b)
        return a + b
    if isinstance(a, str) and isinstance(b, str):
        check_text_size(len(a) + len(b))
        return a + b
    try:
        if isinstance(a, date) and is_number(b):
            return a + _days(b)
        if is_number(a) and isinstance(b, date):
            return b + _days(a)
    except OverflowError:
        raise ExpressionError(Message("formula.date_range")) from None
    raise ExpressionError(Message("formula.add", a=type_name(a), b=type_name(b)))


def sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is tb and (ta is int or ta is float or ta is Decimal)) or (
        ta in _INT_FLOAT and tb in _INT_FLOAT
    ):
        return a - b
    return _sub_slow(a, b)


def _sub_slow(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        a, b = unify_numbers(a, b)
        return a - b
    if isinstance(a, date) and isinstance(b, date):
        a, b = _unify_dates(a, b)
        delta = a - b
        if isinstance(a, datetime):
            return delta.total_seconds() / 86400
        return delta.days
    if isinstance(a, date) and is_number(b):
        try:
            return a - _days(b)
        except OverflowError:
            raise ExpressionError(Message("formula.date_range")) from None
    raise ExpressionError(Message("formula.subtract", a=type_name(a), b=type_name(b)))


def mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is int:
            return check_int(a * b)
        if ta is float or ta is Decimal:
            return a * b
    elif ta is Decimal and tb is float:
        return a * to_decimal(b)
    elif ta in _INT_FLOAT and tb in _INT_FLOAT:
        return a * b
    return _mul_slow(a, b)


def _repeat(text: str, times: Any) -> str:
    count = as_int(times, "the number of repetitions")
    if count <= 0:
        return ""
    check_text_size(len(text) * count)
    return text * count


def _mul_slow(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        a, b = unify_numbers(a, b)
        result = a * b
        return check_int(result) if type(result) is int else result
    if isinstance(a, str) and is_number(b):
        return _repeat(a, b)
    if is_number(a) and isinstance(b, str):
        return _repeat(b, a)
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        raise ExpressionError(Message("formula.list_multiply"))
    raise ExpressionError(Message("formula.multiply", a=type_name(a), b=type_name(b)))


def _numbers(a: Any, b: Any, verb: str) -> tuple[Any, Any]:
    if not (is_number(a) and is_number(b)):
        raise ExpressionError(Message("formula.divide", a=type_name(a), b=type_name(b)))
    return unify_numbers(a, b)


def div(a: Any, b: Any) -> Any:
    """``a / b``; blank when either is blank or ``b`` is zero."""
    if a is None or b is None:
        return None
    a, b = _numbers(a, b, "divide")
    if not b:
        return None
    try:
        return a / b
    except OverflowError:
        raise ExpressionLimitError(Message("formula.too_large")) from None


def floordiv(a: Any, b: Any) -> Any:
    """``a // b`` rounded towards minus infinity (also for ``Decimal``)."""
    if a is None or b is None:
        return None
    a, b = _numbers(a, b, "divide")
    if not b:
        return None
    if type(a) is Decimal:
        return _decimal_divmod(a, b)[0]
    try:
        return a // b
    except OverflowError:
        raise ExpressionLimitError(Message("formula.too_large")) from None


def mod(a: Any, b: Any) -> Any:
    """``a % b`` with the sign of ``b`` (as spreadsheets' MOD and Python's ``%``)."""
    if a is None or b is None:
        return None
    a, b = _numbers(a, b, "divide")
    if not b:
        return None
    if type(a) is Decimal:
        return _decimal_divmod(a, b)[1]
    return a % b


def _decimal_divmod(a: Decimal, b: Decimal) -> tuple[Decimal, Decimal]:
    quotient, remainder = divmod(a, b)  # truncates towards zero
    if remainder and (remainder < 0) != (b < 0):
        quotient -= 1
        remainder += b
    return quotient, remainder


def power(a: Any, b: Any) -> Any:
    """``a ** b`` with ``|b| <= MAX_EXPONENT`` and a bounded result."""
    if a is None or b is None:
        return None
    if not (is_number(a) and is_number(b)):
        raise ExpressionError(Message("formula.power", a=type_name(a), b=type_name(b)))
    if abs(b) > MAX_EXPONENT:
        raise ExpressionLimitError(
            f"exponent {to_text(b)} is too large (the limit is {MAX_EXPONENT})"
        )
    a, b = unify_numbers(a, b)
    if type(a) is int and type(b) is int and b > 0:
        if abs(a).bit_length() * b > MAX_INT_BITS + b:
            raise ExpressionLimitError(Message("formula.too_large_max"))
        return check_int(a**b)
    try:
        result = a**b
    except ZeroDivisionError:
        return None
    except OverflowError:
        raise ExpressionLimitError(Message("formula.too_large")) from None
    except ArithmeticError:  # Decimal: negative base, fractional exponent
        raise ExpressionError(Message("formula.negative_power")) from None
    if type(result) is complex:
        raise ExpressionError(Message("formula.negative_power"))
    return result


def neg(a: Any) -> Any:
    if a is None:
        return None
    if is_number(a):
        return -a
    raise ExpressionError(Message("formula.negate", a=type_name(a)))


def pos(a: Any) -> Any:
    if a is None:
        return None
    if is_number(a):
        return +a
    raise ExpressionError(Message("formula.unary_plus", a=type_name(a)))


def not_(a: Any) -> bool:
    return not a


# --------------------------------------------------------------- comparisons


def eq(a: Any, b: Any) -> bool:
    """``a == b``: blank equals only blank; numbers compare by value."""
    if type(a) is type(b):
        return bool(a == b)
    return _eq_slow(a, b)


def _eq_slow(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if is_number(a) and is_number(b):
        a, b = unify_numbers(a, b)
        return bool(a == b)
    if isinstance(a, date) and isinstance(b, date):
        try:
            a, b = _unify_dates(a, b)
        except ExpressionError:
            return False
        return bool(a == b)
    return bool(a == b)


def ne(a: Any, b: Any) -> bool:
    return not eq(a, b)


def _ordering(op: Callable[[Any, Any], Any], symbol: str) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if type(a) is type(b) and type(a) in _FAST_ORDER:
            return bool(op(a, b))
        return _compare_slow(op, symbol, a, b)

    compare.__name__ = op.__name__
    compare.__qualname__ = op.__name__
    return compare


def _compare_slow(op: Callable[[Any, Any], Any], symbol: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if is_number(a) and is_number(b):
        a, b = unify_numbers(a, b)
    elif isinstance(a, date) and isinstance(b, date):
        a, b = _unify_dates(a, b)
    elif not (isinstance(a, str) and isinstance(b, str)):
        raise ExpressionError(Message("formula.compare", a=type_name(a), op=symbol, b=type_name(b)))
    return bool(op(a, b))


lt = _ordering(operator.lt, "<")
le = _ordering(operator.le, "<=")
gt = _ordering(operator.gt, ">")
ge = _ordering(operator.ge, ">=")


def contains(container: Any, item: Any) -> bool:
    """``item in container``: a list holds the item, or a text holds the text."""
    if container is None:
        return False
    if isinstance(container, list | tuple):
        return any(eq(item, element) for element in container)
    if isinstance(container, str):
        if item is None:
            return False
        if not isinstance(item, str):
            raise ExpressionError(Message("formula.in_text", got=type_name(item)))
        return item in container
    if isinstance(container, frozenset | set):
        return item in container
    raise ExpressionError(Message("formula.in_container", got=type_name(container)))


def not_contains(container: Any, item: Any) -> bool:
    return not contains(container, item)


def is_(a: Any, b: Any) -> bool:
    return a is b


def is_not(a: Any, b: Any) -> bool:
    return a is not b
