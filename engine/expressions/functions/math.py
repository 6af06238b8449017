"""Numbers: ROUND, ROUNDUP, ROUNDDOWN, ABS, CEILING, FLOOR, MOD, POWER, SQRT, INT.

A blank number gives a blank result. Results keep the kind of their input:
a ``Decimal`` (money) stays a ``Decimal``, a whole number stays whole, a
``float`` stays a ``float``. Rounding is done in decimal, half away from
zero as in spreadsheets, so ``ROUND(2.675, 2)`` is ``2.68`` even though the
float ``2.675`` is slightly below it.
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    InvalidOperation,
)
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.values import as_int, is_number, mod, power, to_decimal, type_name
from engine.i18n import Message

from .spec import FunctionSet

functions = FunctionSet("math")

_MAX_DIGITS = 100
_WIDE = Context(prec=600)
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(-_MAX_DIGITS, _MAX_DIGITS + 1)}


def _number(value: Any, fn: str) -> Any:
    if not is_number(value):
        raise ExpressionError(Message("formula.fn_number", fn=fn, got=type_name(value)))
    return value


def _like(result: Decimal, x: Any) -> Any:
    """``result`` converted back to the kind of ``x``."""
    if type(x) is Decimal:
        return result
    if isinstance(x, int):
        return int(result)
    return float(result)


def _round(x: Any, digits: Any, rounding: str, fn: str) -> Any:
    if x is None:
        return None
    _number(x, fn)
    places = 0 if digits is None else as_int(digits, f"{fn}'s number of digits")
    quantum = _QUANTUM.get(places)
    if quantum is None:
        raise ExpressionError(Message("formula.fn_digits", fn=fn))
    try:
        rounded = to_decimal(x).quantize(quantum, rounding, _WIDE)
        if places < 0:
            rounded = rounded.quantize(Decimal(1), context=_WIDE)
    except InvalidOperation:  # infinity or NaN
        return x
    return _like(rounded, x)


@functions.function(
    "ROUND",
    args=(1, 2),
    signature="ROUND(number, [digits])",
    doc="Rounds half away from zero to `digits` decimals (default 0; negative rounds "
    "to tens, hundreds, …).",
    example="ROUND(2.675, 2)",
    result=2.68,
)
def round_(x: Any, digits: Any = 0) -> Any:
    return _round(x, digits, ROUND_HALF_UP, "ROUND")


@functions.function(
    "ROUNDUP",
    args=(1, 2),
    signature="ROUNDUP(number, [digits])",
    doc="Rounds away from zero to `digits` decimals (default 0).",
    example="ROUNDUP(amount, 1)",
    example_values={"amount": Decimal("3.21")},
    result=Decimal("3.3"),
)
def roundup(x: Any, digits: Any = 0) -> Any:
    return _round(x, digits, ROUND_UP, "ROUNDUP")


@functions.function(
    "ROUNDDOWN",
    args=(1, 2),
    signature="ROUNDDOWN(number, [digits])",
    doc="Rounds towards zero to `digits` decimals (default 0).",
    example="ROUNDDOWN(-3.789, 2)",
    result=-3.78,
)
def rounddown(x: Any, digits: Any = 0) -> Any:
    return _round(x, digits, ROUND_DOWN, "ROUNDDOWN")


def _to_multiple(x: Any, significance: Any, rounding: str, fn: str) -> Any:
    if x is None:
        return None
    _number(x, fn)
    step = Decimal(1) if significance is None else abs(to_decimal(_number(significance, fn)))
    if not step:
        return None
    try:
        result = (to_decimal(x) / step).to_integral_value(rounding, _WIDE) * step
    except InvalidOperation:
        return x
    if type(x) is Decimal or type(significance) is Decimal:
        return result
    if step == step.to_integral_value():
        return int(result)
    return float(result)


@functions.function(
    "CEILING",
    args=(1, 2),
    signature="CEILING(number, [significance])",
    doc="Rounds up (towards +∞) to a multiple of `significance` (default 1); blank when "
    "`significance` is 0.",
    example="CEILING(21.3, 5)",
    result=25,
)
def ceiling(x: Any, significance: Any = 1) -> Any:
    return _to_multiple(x, significance, ROUND_CEILING, "CEILING")


@functions.function(
    "FLOOR",
    args=(1, 2),
    signature="FLOOR(number, [significance])",
    doc="Rounds down (towards −∞) to a multiple of `significance` (default 1); blank "
    "when `significance` is 0.",
    example="FLOOR(price, 0.5)",
    example_values={"price": Decimal("7.8")},
    result=Decimal("7.5"),
)
def floor(x: Any, significance: Any = 1) -> Any:
    return _to_multiple(x, significance, ROUND_FLOOR, "FLOOR")


@functions.function(
    "INT",
    args=(1, 1),
    signature="INT(number)",
    doc="The largest whole number not above `number` (rounds towards −∞).",
    example="INT(-2.5)",
    result=-3,
)
def int_(x: Any) -> Any:
    if x is None:
        return None
    try:
        return math.floor(_number(x, "INT"))
    except (OverflowError, ValueError):
        raise ExpressionError(Message("formula.int_finite")) from None


@functions.function(
    "ABS",
    args=(1, 1),
    signature="ABS(number)",
    doc="The number without its sign.",
    example="ABS(-7)",
    result=7,
)
def abs_(x: Any) -> Any:
    if x is None:
        return None
    return abs(_number(x, "ABS"))


@functions.function(
    "MOD",
    args=(2, 2),
    signature="MOD(number, divisor)",
    doc="The remainder of `number / divisor`, with the sign of the divisor; blank when "
    "the divisor is 0.",
    example="MOD(-7, 3)",
    result=2,
)
def mod_(a: Any, b: Any) -> Any:
    return mod(a, b)


@functions.function(
    "POWER",
    args=(2, 2),
    signature="POWER(number, exponent)",
    doc="`number ** exponent`; the exponent is limited to ±100.",
    example="POWER(2, 10)",
    result=1024,
)
def power_(a: Any, b: Any) -> Any:
    return power(a, b)


@functions.function(
    "SQRT",
    args=(1, 1),
    signature="SQRT(number)",
    doc="The square root; an error for negative numbers. Exact for `Decimal` input.",
    example="SQRT(16)",
    result=4.0,
)
def sqrt(x: Any) -> Any:
    if x is None:
        return None
    _number(x, "SQRT")
    if x < 0:
        raise ExpressionError(Message("formula.sqrt_negative"))
    if type(x) is Decimal:
        return x.sqrt()
    try:
        return math.sqrt(x)
    except OverflowError:
        raise ExpressionError(Message("formula.sqrt_large")) from None
