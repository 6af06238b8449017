"""Expression evaluation speed against the physical limit.

Run: ``.venv/bin/python bench/expressions.py`` (add ``--quick`` for a short run).

For a two-condition condition and a money formula it prints evaluations per
second of

* ``compiled``: ``compile_expression(...)`` once, then ``expr.evaluate(record)``;
* ``limit``: a hand-written Python function doing the same work — the most
  any interpreter of these expressions could reach in this process;
* ``simpleeval parsed once``: ``SimpleEval.eval(src, previously_parsed=tree)``;
* ``simpleeval re-parse``: ``simple_eval(src, ...)`` on every call;

and the ratio of each to the limit. It also prints compiles per second
(uncached) so the cost of checking a whole app definition is visible.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import simpleeval

from engine.expressions import EvalContext, compile_expression
from engine.expressions.compiler import _compile_cached

CONDITION = "stage == 'lost' and amount > 1000"
FORMULA = "ROUND(amount * (1 - discount), 2)"

RECORDS: list[dict[str, Any]] = [
    {"stage": stage, "amount": Decimal(amount), "discount": discount}
    for stage, amount, discount in [
        ("lost", "1500.00", 0.1),
        ("won", "800.00", 0.05),
        ("lost", "999.99", 0.0),
        ("proposal", "25000.00", 0.2),
    ]
]
# simpleeval cannot multiply a Decimal by a float (TypeError), so its runs get
# the discount as a Decimal already; the conversion is not timed.
RECORDS_ALL_DECIMAL = [{**r, "discount": Decimal(repr(r["discount"]))} for r in RECORDS]
CENT = Decimal("0.01")


def condition_by_hand(r: dict[str, Any]) -> bool:
    return r["stage"] == "lost" and r["amount"] > 1000


def formula_by_hand(r: dict[str, Any]) -> Decimal:
    discount = Decimal(repr(r["discount"]))
    return (r["amount"] * (1 - discount)).quantize(CENT, ROUND_HALF_UP)


def rate(
    fn: Callable[[dict[str, Any]], Any],
    n: int,
    data: list[dict[str, Any]] = RECORDS,
    repeats: int = 3,
) -> float:
    """Best evaluations/s over ``repeats`` runs of ``n`` calls on rotating records."""
    records = data * (n // len(data))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for record in records:
            fn(record)
        best = min(best, time.perf_counter() - start)
    return len(records) / best


def simpleeval_functions() -> dict[str, Any]:
    def round_(x: Any, digits: int = 0) -> Any:
        return Decimal(x).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)

    return {"ROUND": round_}


def bench(label: str, source: str, by_hand: Callable[[dict[str, Any]], Any], n: int) -> None:
    ctx = EvalContext(user_id=1)
    expr = compile_expression(source)
    for record in RECORDS:  # the compiled expression and the hand-written one agree
        assert expr.evaluate(record, ctx) == by_hand(record), record

    functions = simpleeval_functions()
    evaluator = simpleeval.SimpleEval(functions=functions)
    parsed = evaluator.parse(source)

    def parsed_once(r: dict[str, Any]) -> Any:
        evaluator.names = r
        return evaluator.eval(source, previously_parsed=parsed)

    def reparse(r: dict[str, Any]) -> Any:
        return simpleeval.simple_eval(source, names=r, functions=functions)

    limit = rate(by_hand, n)
    rows = [
        ("hand-written Python (the limit)", limit),
        ("compiled (engine.expressions)", rate(lambda r: expr.evaluate(r, ctx), n)),
        ("simpleeval, parsed once", rate(parsed_once, n // 4, RECORDS_ALL_DECIMAL)),
        ("simpleeval, re-parsing each call", rate(reparse, n // 20, RECORDS_ALL_DECIMAL)),
    ]
    print(f"\n{label}: {source}")
    print(f"  {'':36} {'evals/s':>12} {'vs limit':>9} {'vs re-parse':>11}")
    for name, value in rows:
        print(f"  {name:36} {value:12,.0f} {value / limit:9.3f} {value / rows[-1][1]:10.1f}x")


def compile_rate(n: int) -> float:
    sources = [f"{FORMULA} + {i}" for i in range(n)]
    start = time.perf_counter()
    for source in sources:
        _compile_cached.__wrapped__(source, None)
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args(argv)
    n = 40_000 if args.quick else 400_000
    version = importlib.metadata.version("simpleeval")
    print(f"Python {sys.version.split()[0]}, simpleeval {version}")
    bench("condition", CONDITION, condition_by_hand, n)
    bench("formula", FORMULA, formula_by_hand, n)
    print(f"\ncompiles/s (uncached, {FORMULA!r} + i): {compile_rate(n // 40):,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
