"""Record queries through the real HTTP API, against the same SQL run bare.

Run: ``.venv/bin/python bench/queries.py [--backend sqlite|postgresql|all]
[--records 20000] [--requests 200]``.

For each backend it starts ``formwork demo`` and ``formwork serve`` on a free
loopback port in a throwaway data directory (on PostgreSQL: schemas with a
prefix of the run's own), loads ``--customers`` customers and ``--records``
opportunities of ``mini_crm`` through ``POST …/bulk`` (at most 10,000 a
request), and then measures, with one keep-alive ``httpx.Client``:

* **page + count**: ``GET /api/apps/mini_crm/opportunity`` with a
  two-condition filter (``stage in [proposal, negotiation, won]`` and
  ``amount >= 500000``), ``sort=-amount``, 50 records and the total count;
* **page**: the same with ``count=false``;
* **group-by**: ``GET …/opportunity/aggregate?group_by=stage&measures=sum:amount``.

The physical limit of each is measured in the same run against the same
table of the same database (the tenant's SQLite file with the server's
settings, or the tenant's PostgreSQL schema): the equivalent statements in
SQLAlchemy Core, each in its own read transaction on a pooled connection, as
the server runs them. For the pages, the raw query also joins the names of
the page's customers, which the API returns in ``_display``; the count is a
second statement, as in the API. HTTP and raw alternate in blocks, after warm-up, so both see the
same load on the machine; the answers are checked against each other.

It prints median and p95 latency of each and the ratio HTTP/raw of the
medians, with ``GET /api/health`` and a bare uvicorn app for context. The
server is stopped, the data directory removed and the schemas dropped even
on error.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from _common import (
    BenchError,
    bench_parser,
    bounded,
    database_version,
    expect,
    percentile,
    raw_engine,
    run_benches,
)
from _server import (
    running_bare_server,
    running_server,
)
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Select,
    Table,
    and_,
    func,
    select,
    text,
)

APP = "mini_crm"
OPPORTUNITIES = "a_mini_crm__opportunity"
CUSTOMERS = "a_mini_crm__customer"
CHUNK = 10_000  # the API's limit per bulk request
REQUEST_TIMEOUT_S = 300.0
BLOCK = 25  # requests per block; HTTP and raw blocks alternate
MAX_RECORDS = 200_000
MAX_REQUESTS = 10_000

STAGES = ["proposal", "negotiation", "won"]
MIN_AMOUNT = 500_000
PAGE_SIZE = 50
FILTER = {
    "and": [
        {"field": "stage", "op": "in", "value": STAGES},
        {"field": "amount", "op": "gte", "value": MIN_AMOUNT},
    ]
}

# As given for the peers on this kind of machine (docs/performance.md).
PEER_PAGE_MS = (13.0, 22.0)
PEER_GROUP_MS = (16.0, 29.0)
PEER_RAW_SQLITE_MS = {"page": 4.0, "group-by": 7.0}
TARGET_RATIO = 2.0


# -- data ---------------------------------------------------------------------
STAGE_WEIGHTS = {
    "initial": 20,
    "needs": 20,
    "proposal": 15,
    "negotiation": 10,
    "won": 20,
    "lost": 15,
}
INDUSTRIES = ["manufacturing", "retail", "software"]
CITIES = ["杭州", "苏州", "深圳", "广州", "上海", "北京", "成都", "青岛", "武汉"]


def customers(n: int, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{rng.choice(CITIES)}客户 {i:05d}",
            "industry": rng.choice(INDUSTRIES),
            "credit_limit": rng.randrange(0, 5_000_000),
        }
        for i in range(n)
    ]


def opportunities(n: int, customer_ids: Sequence[int], rng: random.Random) -> list[dict[str, Any]]:
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    start = date(2025, 1, 1)
    rows = []
    for i in range(n):
        stage = rng.choices(stages, weights)[0]
        row: dict[str, Any] = {
            "name": f"商机 {i:06d}",
            "customer": rng.choice(customer_ids),
            "stage": stage,
            "amount": rng.randrange(100_000, 200_000_000) / 100,
            "discount": rng.choice([0, 0.05, 0.1, 0.15]),
            "close_date": (start + timedelta(days=rng.randrange(730))).isoformat(),
        }
        if stage == "lost":
            row["lost_reason"] = "价格"
        rows.append(row)
    return rows


# -- measurements -------------------------------------------------------------
@dataclass
class Timing:
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else math.nan

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 95)

    def summary(self) -> dict[str, Any]:
        return {
            "n": len(self.latencies_ms),
            "median_ms": round(self.median_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
        }


@dataclass
class Scenario:
    name: str
    http: Timing
    raw: Timing

    @property
    def ratio(self) -> float:
        return self.http.median_ms / self.raw.median_ms

    def summary(self) -> dict[str, Any]:
        return {
            "http": self.http.summary(),
            "raw": self.raw.summary(),
            "ratio": round(self.ratio, 2),
        }


@dataclass
class BackendResult:
    backend: str
    database: str
    records: int
    load_seconds: float
    scenarios: list[Scenario]
    health: Timing
    floor: Timing

    def summary(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "database": self.database,
            "records": self.records,
            "load_seconds": round(self.load_seconds, 2),
            "scenarios": {s.name: s.summary() for s in self.scenarios},
            "health": self.health.summary(),
            "http_floor": self.floor.summary(),
        }


def timed(call: Callable[[], Any], n: int, into: Timing) -> Any:
    """Run ``call`` ``n`` times, adding each latency to ``into``; return the last answer."""
    answer = None
    clock = time.perf_counter
    for _ in range(n):
        t0 = clock()
        answer = call()
        into.latencies_ms.append((clock() - t0) * 1000)
    return answer


# -- the bare database --------------------------------------------------------
@dataclass
class RawQueries:
    """The statements the API should amount to, over the reflected tables."""

    page: Select[Any]
    count: Select[Any]
    group_by: Select[Any]

    @classmethod
    def build(cls, conn: Connection) -> RawQueries:
        metadata = MetaData()
        opportunity = Table(OPPORTUNITIES, metadata, autoload_with=conn)
        customer = Table(CUSTOMERS, metadata, autoload_with=conn)
        where = and_(
            opportunity.c.deleted_at.is_(None),
            opportunity.c.stage.in_(STAGES),
            opportunity.c.amount >= MIN_AMOUNT,
        )
        # The page first, then the names of its 50 customers: joining before
        # the LIMIT would look up the customer of every matching record.
        rows = (
            select(opportunity)
            .where(where)
            .order_by(opportunity.c.amount.desc().nulls_last(), opportunity.c.id.desc())
            .limit(PAGE_SIZE)
            .offset(0)
            .subquery("page")
        )
        page = (
            select(rows, customer.c.name.label("customer_title"))
            .select_from(rows.outerjoin(customer, customer.c.id == rows.c.customer))
            .order_by(rows.c.amount.desc().nulls_last(), rows.c.id.desc())
        )
        count = select(func.count()).select_from(opportunity).where(where)
        group_by = (
            select(opportunity.c.stage, func.coalesce(func.sum(opportunity.c.amount), 0))
            .where(opportunity.c.deleted_at.is_(None))
            .group_by(opportunity.c.stage)
            .order_by(opportunity.c.stage.asc().nulls_first())
        )
        return cls(page, count, group_by)


# -- one backend --------------------------------------------------------------
def load(client: httpx.Client, args: argparse.Namespace, log: Callable[[str], None]) -> int:
    """Customers, then opportunities, through the bulk endpoint; returns the count."""
    rng = random.Random(args.seed)
    body = customers(args.customers, rng)
    answer = expect(client.post(f"/api/apps/{APP}/customer/bulk", json=body), 201, "bulk customers")
    ids: list[int] = answer["ids"]
    rows = opportunities(args.records, ids, rng)
    for at in range(0, len(rows), CHUNK):
        chunk = rows[at : at + CHUNK]
        log(f"  opportunities {at + 1:,}–{at + len(chunk):,}")
        answer = expect(
            client.post(f"/api/apps/{APP}/opportunity/bulk", json=chunk),
            201,
            f"bulk opportunities from #{at + 1}",
        )
        if answer.get("created") != len(chunk):
            raise BenchError(f"bulk create of {len(chunk)} answered {str(answer)[:300]}")
    return len(rows)


def check_answers(
    page: dict[str, Any], groups: dict[str, Any], engine: Engine, queries: RawQueries
) -> None:
    """The API and the raw statements must agree, or the comparison means nothing."""
    with engine.connect() as conn:
        raw_page = conn.execute(queries.page).all()
        raw_total = conn.scalar(queries.count)
        raw_groups = conn.execute(queries.group_by).all()
    if [item["id"] for item in page["items"]] != [row.id for row in raw_page]:
        raise BenchError("the API's page and the raw page differ")
    if page["total"] != raw_total:
        raise BenchError(f"the API counts {page['total']}, the database {raw_total}")
    titles = [item["_display"].get("customer") for item in page["items"]]
    if titles != [row.customer_title for row in raw_page]:
        raise BenchError("the API's customer titles differ from the join")
    api_sums = [(g["stage"], round(Decimal(str(g["sum_amount"])), 2)) for g in groups["groups"]]
    raw_sums = [(stage, round(Decimal(str(total)), 2)) for stage, total in raw_groups]
    if api_sums != raw_sums:
        raise BenchError(f"the API's sums {api_sums} differ from the database's {raw_sums}")


def run_backend(
    backend: str, args: argparse.Namespace, log: Callable[[str], None]
) -> BackendResult:
    with (
        tempfile.TemporaryDirectory(prefix=f"formwork-queries-{backend}-") as tmp,
        running_server(backend, Path(tmp), pg_url=args.pg_url) as server,
        running_bare_server(Path(tmp) / "bare-uvicorn.log") as bare_url,
        httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client,
        httpx.Client(base_url=bare_url, timeout=REQUEST_TIMEOUT_S) as bare,
        warnings.catch_warnings(),
    ):
        # SQLAlchemy warns that SQLite has no native Decimal; the server reads them alike.
        warnings.filterwarnings("ignore", message=".*Decimal objects natively.*")
        log(f"[{backend}] server up at {server.base_url} (data dir {tmp})")
        login = client.post(
            "/api/auth/login", json={"tenant": "demo", "username": "admin", "password": "demo"}
        )
        token = expect(login, 200, "log in as admin")["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        log(f"[{backend}] loading {args.customers:,} customers and {args.records:,} opportunities")
        started = time.perf_counter()
        records = load(client, args, log)
        load_seconds = time.perf_counter() - started

        engine = raw_engine(server, writes=False)
        try:
            if backend == "postgresql":
                # What autovacuum does shortly after a load this size; both sides share it.
                with engine.begin() as conn:
                    conn.execute(text(f"ANALYZE {OPPORTUNITIES}"))
                    conn.execute(text(f"ANALYZE {CUSTOMERS}"))
            with engine.connect() as conn:
                queries = RawQueries.build(conn)
            database = database_version(engine, backend)
            result = measure(backend, client, bare, engine, queries, args, log)
        finally:
            engine.dispose()
    return BackendResult(backend, database, records, load_seconds, *result)


def measure(
    backend: str,
    client: httpx.Client,
    bare: httpx.Client,
    engine: Engine,
    queries: RawQueries,
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> tuple[list[Scenario], Timing, Timing]:
    url = f"/api/apps/{APP}/opportunity"
    page_params = {"filter": json.dumps(FILTER), "sort": "-amount", "page_size": PAGE_SIZE}
    aggregate_params = {"group_by": "stage", "measures": "sum:amount"}

    def http(path: str, params: dict[str, Any]) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(path, params=params)
            if response.status_code != 200:
                expect(response, 200, f"GET {path}")
            return response.json()

        return call

    def raw(*statements: Select[Any]) -> Callable[[], Any]:
        def call() -> Any:
            with engine.connect() as conn, conn.begin():
                return [conn.execute(statement).all() for statement in statements]

        return call

    calls = {
        "page + count": (
            http(url, page_params),
            raw(queries.page, queries.count),
        ),
        "page": (
            http(url, {**page_params, "count": "false"}),
            raw(queries.page),
        ),
        "group-by": (
            http(f"{url}/aggregate", aggregate_params),
            raw(queries.group_by),
        ),
    }
    check_answers(calls["page + count"][0](), calls["group-by"][0](), engine, queries)
    floor, health = Timing(), Timing()
    timed(lambda: bare.get("/"), args.warmup, Timing())
    timed(lambda: bare.get("/"), args.requests, floor)
    timed(lambda: client.get("/api/health"), args.warmup, Timing())
    timed(lambda: client.get("/api/health"), args.requests, health)
    scenarios = []
    for name, (http_call, raw_call) in calls.items():
        log(f"[{backend}] {name}: {args.warmup} warm-up, then {args.requests} each, HTTP and raw")
        timed(http_call, args.warmup, Timing())
        timed(raw_call, args.warmup, Timing())
        scenario = Scenario(name, Timing(), Timing())
        for done in range(0, args.requests, BLOCK):
            n = min(BLOCK, args.requests - done)
            timed(http_call, n, scenario.http)
            timed(raw_call, n, scenario.raw)
        scenarios.append(scenario)
    return scenarios, health, floor


# -- output -------------------------------------------------------------------
def table(result: BackendResult) -> str:
    lines = [
        f"== {result.backend}: {result.database}; {result.records:,} opportunities "
        f"(loaded through the API in {result.load_seconds:.1f} s)",
        f"{'':16}{'HTTP median':>12}{'p95':>9}{'raw median':>12}{'p95':>9}{'HTTP/raw':>10}",
    ]
    for s in result.scenarios:
        lines.append(
            f"{s.name:16}{s.http.median_ms:>12.2f}{s.http.p95_ms:>9.2f}"
            f"{s.raw.median_ms:>12.2f}{s.raw.p95_ms:>9.2f}{s.ratio:>9.1f}x"
        )
    for label, timing, what in [
        ("GET /api/health", result.health, "Formwork, one SELECT 1"),
        ("HTTP floor", result.floor, "bare uvicorn ASGI app, no framework"),
    ]:
        lines.append(f"{label:16}{timing.median_ms:>12.2f}{timing.p95_ms:>9.2f}{'':31}({what})")
    return "\n".join(lines)


def summary(results: Sequence[BackendResult]) -> str:
    lines = ["== summary (ms are medians; target: HTTP within 2x of raw)"]
    for r in results:
        by_name = {s.name: s for s in r.scenarios}
        for name, peers in [
            ("page + count", PEER_PAGE_MS),
            ("page", PEER_PAGE_MS),
            ("group-by", PEER_GROUP_MS),
        ]:
            s = by_name[name]
            verdict = "meets" if s.ratio <= TARGET_RATIO else "MISSES"
            peer_raw = PEER_RAW_SQLITE_MS["page" if name.startswith("page") else "group-by"]
            lines.append(
                f"{r.backend:10} {name:13} HTTP {s.http.median_ms:6.2f} ms, raw "
                f"{s.raw.median_ms:6.2f} ms: {s.ratio:.1f}x, {verdict} the 2x aim "
                f"(peers {peers[0]:g}–{peers[1]:g} ms over HTTP; raw SQLite ~{peer_raw:g} ms)"
            )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__.split("\n\n")[0], warmup=20)
    parser.add_argument("--records", type=bounded(1, MAX_RECORDS), default=20_000)
    parser.add_argument("--customers", type=bounded(1, CHUNK), default=500)
    parser.add_argument("--requests", type=bounded(1, MAX_REQUESTS), default=200)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workload = (
        f"workload: mini_crm opportunity, {args.records:,} records of {args.customers:,} "
        f"customers; filter stage in {STAGES} and amount >= {MIN_AMOUNT:,}, sort -amount, "
        f"{PAGE_SIZE} a page; sum of amount by stage; {args.requests} requests each "
        f"after {args.warmup} warm-up; seed {args.seed}"
    )
    return run_benches(args, workload, run_backend, table, summary)


if __name__ == "__main__":
    sys.exit(main())
