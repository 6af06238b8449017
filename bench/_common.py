"""What the HTTP benches share: errors, the bare database, the machine, the main loop.

``bench/records.py`` and ``bench/queries.py`` measure different things the
same way: per backend, a real server (``_server.running_server``) next to
the bare database with the server's settings, then a table per backend and
a summary. The parts they have in common live here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from _server import PG_URL, Server, ServerError, postgres_problem
from sqlalchemy import Connection, Engine, create_engine, event, text

from engine.store.store import sqlite_pragmas


class BenchError(RuntimeError):
    """The product answered something a benchmark cannot go on from."""


def expect(response: httpx.Response, status: int, what: str) -> Any:
    """The JSON of ``response``, which must have ``status``."""
    if response.status_code != status:
        raise BenchError(
            f"{what}: expected HTTP {status}, got {response.status_code}: {response.text[:2000]}"
        )
    return response.json()


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


# -- the bare database --------------------------------------------------------
def raw_engine(server: Server, *, writes: bool) -> Engine:
    """An engine on the server's tenant database, outside the server.

    On SQLite it opens the tenant's file with the server's settings and begins
    transactions as the server does: ``BEGIN IMMEDIATE`` for writers,
    ``BEGIN`` for readers. On PostgreSQL it reaches the tenant's schema.
    """
    if server.backend == "sqlite":
        engine = create_engine(f"sqlite:///{server.tenant_file}")
        begin = "BEGIN IMMEDIATE" if writes else "BEGIN"

        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql(begin)

        # The very settings of the server's tenant engines.
        event.listen(engine, "connect", sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(
        server.database_url,
        connect_args={"options": f"-csearch_path={server.tenant_schema()}"},
    )


def database_version(engine: Engine, backend: str) -> str:
    if backend == "sqlite":
        return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    with engine.connect() as conn:
        return f"PostgreSQL {conn.scalar(text('SHOW server_version'))}"


# -- the machine ----------------------------------------------------------------
def environment() -> str:
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, httpx {httpx.__version__}"
    )


def revision() -> str:
    """The checked-out commit, and whether the work tree has changes on top."""
    try:
        git = ["git", "-C", str(Path(__file__).resolve().parents[1])]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown revision"
    return f"{commit or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


# -- the main loop ------------------------------------------------------------------
def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def bench_parser(description: str, warmup: int) -> argparse.ArgumentParser:
    """The options every bench takes; each adds the sizes of its own workload."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--warmup", type=bounded(0, 1000), default=warmup)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--pg-url", default=PG_URL, help="default: FORMWORK_BENCH_PG_URL or local")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Result(Protocol):
    def summary(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Result)


def run_benches(
    args: argparse.Namespace,
    workload: str,
    run_backend: Callable[[str, argparse.Namespace, Callable[[str], None]], R],
    table: Callable[[R], str],
    summary: Callable[[Sequence[R]], str],
) -> int:
    """Run ``run_backend`` for ``args.backend`` (sqlite, postgresql or all) and report.

    Prints the machine, the revision and ``workload``, a table per backend,
    the summary and the load average; with ``args.json``, writes the figures
    there too. With ``all``, an unreachable PostgreSQL is skipped with a note;
    asked for by name, it is an error (exit code 2). A failed backend stops
    the run (exit code 1).
    """
    # A SIGTERM unwinds like Ctrl-C, so the server is stopped and schemas dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    print(f"{environment()}; {load_average()} at start")
    print(f"formwork revision: {revision()}")
    print(workload)
    results: list[R] = []
    skipped: list[str] = []
    for backend in backends:
        if backend == "postgresql":
            problem = postgres_problem(args.pg_url)
            if problem:
                if args.backend == "postgresql":
                    print(f"error: {problem}", file=sys.stderr)
                    return 2
                skipped.append(f"postgresql skipped: {problem}")
                log(skipped[-1])
                continue
        try:
            result = run_backend(backend, args, log)
        except (ServerError, BenchError) as err:
            print(f"error on {backend}: {err}", file=sys.stderr)
            return 1
        results.append(result)
        print()
        print(table(result), flush=True)
    print()
    print(summary(results))
    print(f"{load_average()} at end (other processes on the machine skew the figures)")
    for line in skipped:
        print(line)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "environment": environment(),
                    "revision": revision(),
                    "load_at_end": load_average(),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "results": [r.summary() for r in results],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    return 0
