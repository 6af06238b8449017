"""Record writes through the real HTTP API, against the physical limit.

Run: ``.venv/bin/python bench/records.py [--backend sqlite|postgresql|all]
[--creates 2000] [--bulk 10000]`` (``make bench``).

For each backend it sets up a throwaway data directory (and, on PostgreSQL,
schemas with a prefix of its own), runs ``formwork demo`` and ``formwork
serve`` on a free loopback port, logs in as ``admin`` and, with one
keep-alive ``httpx.Client``, measures

* **single create**: ``--creates`` sequential ``POST /api/apps/mini_crm/customer``
  of distinct, realistic customers (seeded generator): records/s, median and
  p95 latency of each request;
* **concurrent creates**: ``--concurrent`` more single creates (default: as
  many as ``--creates``) from ``--clients`` threads (default 8), each with its
  own keep-alive client: records/s, median and p95 latency, server CPU, and on
  PostgreSQL the database sessions opened meanwhile (``pg_stat_database``: a
  bounded pool opens a few at the start and then reuses them);
* **bulk**: ``--bulk`` customers through ``POST …/customer/bulk`` in chunks of
  at most 10,000 (one transaction each): records/s.

The physical limit is measured in the same run on the same database: a scratch
table ``bench_raw_customer`` with the columns, keys, unique constraint, indexes
and foreign keys of ``a_mini_crm__customer`` is created next to it (the tenant's
SQLite file with WAL, synchronous=NORMAL, foreign_keys=ON and BEGIN IMMEDIATE
like the server; or the tenant's PostgreSQL schema), and the very rows the API
stored are read back (untimed) and inserted again with SQLAlchemy Core:

* one single-row ``INSERT`` + ``COMMIT`` per row (one transaction each, as the
  API does), timed per row;
* the concurrent creates' rows again from as many threads, each with its own
  connection, one single-row ``INSERT`` + ``COMMIT`` per row (on SQLite the
  threads wait for the write lock in SQLite's busy handler, as separate
  processes would);
* ``executemany`` ``INSERT`` of the bulk rows, one transaction per chunk.

API and raw alternate (blocks of 200 single creates, then the same rows raw;
each bulk chunk, then the same rows raw), so that both see the same load on
the machine; the server is idle while the raw inserts run.

For context it also times ``GET /api/health`` (Formwork's HTTP round trip
with one ``SELECT 1``) and ``GET /`` of a bare uvicorn ASGI app in its own
process (the HTTP round trip of this machine, no framework). For the API
phases it also reads the CPU time the server process used (``/proc``), per
record: unlike latency, it does not include waiting for a CPU on a busy
machine.

It prints a table per backend with the ratios API/raw (how many times slower
the API is than the bare database) and a summary against the targets. The
server is stopped, the data directory removed and the schemas dropped even on
error. Warm-up requests (``--warmup``) are made but not counted.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
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
    Server,
    running_bare_server,
    running_server,
)
from sqlalchemy import (
    Connection,
    Constraint,
    Engine,
    Index,
    MetaData,
    Table,
    func,
    insert,
    select,
    text,
)

APP, ENTITY = "mini_crm", "customer"
SOURCE_TABLE = "a_mini_crm__customer"
RAW_TABLE = "bench_raw_customer"
CHUNK = 10_000  # the API's limit per bulk request
MAX_CREATES = 100_000
MAX_BULK = 500_000
MAX_CLIENTS = 64
REQUEST_TIMEOUT_S = 300.0
HEALTH_REQUESTS = 200
BLOCK = 200  # single creates per API block, each followed by the same rows raw

# Targets and peers (docs/performance.md).
TARGET_SINGLE_MEDIAN_MS = 5.0  # SQLite (WAL)
TARGET_BULK_PER_S = 10_000.0
PEER_SINGLE_MEDIAN_MS = (10.0, 12.0)
PEER_SINGLE_PER_S = (80.0, 95.0)
PEER_BULK_PER_S = (600.0, 1_200.0)


# -- realistic customers ------------------------------------------------------
PLACES = [
    ("浙江省", "杭州市", ["西湖区", "滨江区", "余杭区", "拱墅区"]),
    ("江苏省", "苏州市", ["工业园区", "姑苏区", "吴中区", "昆山市"]),
    ("广东省", "深圳市", ["南山区", "福田区", "宝安区", "龙岗区"]),
    ("广东省", "广州市", ["天河区", "黄埔区", "番禺区"]),
    ("上海市", "上海市", ["浦东新区", "闵行区", "徐汇区", "嘉定区"]),
    ("北京市", "北京市", ["海淀区", "朝阳区", "亦庄开发区"]),
    ("四川省", "成都市", ["高新区", "武侯区", "双流区"]),
    ("山东省", "青岛市", ["黄岛区", "崂山区", "城阳区"]),
    ("湖北省", "武汉市", ["东湖高新区", "江汉区", "汉阳区"]),
]
BRANDS = [
    ("恒信", "hengxin"), ("华澳", "huaao"), ("启明", "qiming"), ("远航", "yuanhang"),
    ("瑞丰", "ruifeng"), ("嘉禾", "jiahe"), ("博远", "boyuan"), ("众合", "zhonghe"),
    ("新锐", "xinrui"), ("宏图", "hongtu"), ("云帆", "yunfan"), ("天成", "tiancheng"),
    ("联创", "lianchuang"), ("金桥", "jinqiao"), ("正泰", "zhengtai"), ("安达", "anda"),
]  # fmt: skip
TRADES = {
    "manufacturing": ["精密制造", "机械设备", "汽车零部件", "新材料"],
    "retail": ["商贸", "连锁超市", "电子商务", "百货"],
    "software": ["信息技术", "软件", "数据科技", "网络科技"],
}
ROADS = ["文一西路", "科技大道", "人民路", "中山路", "长江路", "建设路", "解放大道", "创业路"]
TAGS = ["vip", "key_account", "churn_risk"]


class CustomerGenerator:
    """Distinct, plausible customers; the same seed gives the same records."""

    def __init__(self, seed: int, owner_ids: Sequence[int]) -> None:
        self.rng = random.Random(seed)
        self.owner_ids = list(owner_ids)

    def record(self, batch: str, i: int) -> dict[str, Any]:
        rng = self.rng
        province, city, districts = rng.choice(PLACES)
        brand, pinyin = rng.choice(BRANDS)
        industry = rng.choice(list(TRADES))
        trade = rng.choice(TRADES[industry])
        record: dict[str, Any] = {
            # The batch letter and serial keep names unique (the field is unique).
            "name": f"{city[:-1]}{brand}{trade}有限公司 {batch}{i:06d}",
            "region": {
                "province": province,
                "city": city,
                "district": rng.choice(districts),
                "detail": f"{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            },
            "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            "email": f"contact.{batch.lower()}{i}@{pinyin}.com.cn",
            "credit_limit": rng.randrange(0, 500_000_000, 100) / 100,  # up to 5M, whole yuan
        }
        if rng.random() < 0.9:
            record["industry"] = industry
        tags = rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2]))
        if tags:
            record["tags"] = tags
        if self.owner_ids and rng.random() < 0.5:
            record["owner"] = rng.choice(self.owner_ids)
        return record


# -- measurements -------------------------------------------------------------
@dataclass
class Phase:
    records: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    note: str = ""
    #: CPU time the server used during the phase (API phases only).
    server_cpu_s: float = math.nan

    @property
    def cpu_ms_per_record(self) -> float:
        return 1000 * self.server_cpu_s / self.records if self.records else math.nan

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else math.nan

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else math.nan

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 95)

    def summary(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "seconds": round(self.seconds, 4),
            "per_second": round(self.per_second, 1),
            "median_ms": round(self.median_ms, 3) if self.latencies_ms else None,
            "p95_ms": round(self.p95_ms, 3) if self.latencies_ms else None,
            "server_cpu_ms_per_record": (
                None if math.isnan(self.server_cpu_s) else round(self.cpu_ms_per_record, 4)
            ),
            "note": self.note,
        }


@dataclass
class BackendResult:
    backend: str
    database: str
    single_api: Phase
    single_raw: Phase
    concurrent_api: Phase  # --concurrent creates from --clients threads
    concurrent_raw: Phase
    bulk_api: Phase
    bulk_raw: Phase
    health: Phase  # GET /api/health: Formwork's HTTP round trip with one trivial query
    floor: Phase  # GET / of a bare uvicorn ASGI app: the HTTP round trip on this machine

    clients: int = 8

    @property
    def single_ratio(self) -> float:
        return self.single_raw.per_second / self.single_api.per_second

    @property
    def single_median_ratio(self) -> float:
        return self.single_api.median_ms / self.single_raw.median_ms

    @property
    def bulk_ratio(self) -> float:
        return self.bulk_raw.per_second / self.bulk_api.per_second

    def summary(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "database": self.database,
            "single_api": self.single_api.summary(),
            "single_raw": self.single_raw.summary(),
            "concurrent_api": self.concurrent_api.summary(),
            "concurrent_raw": self.concurrent_raw.summary(),
            "bulk_api": self.bulk_api.summary(),
            "bulk_raw": self.bulk_raw.summary(),
            "health": self.health.summary(),
            "http_floor": self.floor.summary(),
            "single_ratio_rate": round(self.single_ratio, 2),
            "single_ratio_median": round(self.single_median_ratio, 2),
            "bulk_ratio": round(self.bulk_ratio, 2),
        }


JSON_HEADERS = {"Content-Type": "application/json"}


def api_single(client: httpx.Client, bodies: Sequence[bytes], deadline: float) -> Phase:
    url = f"/api/apps/{APP}/{ENTITY}"
    latencies: list[float] = []
    clock = time.perf_counter
    start = clock()
    for body in bodies:
        t0 = clock()
        response = client.post(url, content=body, headers=JSON_HEADERS)
        t1 = clock()
        if response.status_code != 201:
            expect(response, 201, f"single create #{len(latencies) + 1}")
        latencies.append((t1 - t0) * 1000)
        if t1 > deadline:
            break
    elapsed = clock() - start
    note = "" if len(latencies) == len(bodies) else f"time limit: {len(latencies)} done"
    return Phase(len(latencies), elapsed, latencies, note)


def in_threads(clients: int, work: Callable[[int, list[float]], None]) -> tuple[list[float], float]:
    """Run ``work(i, latencies)`` in ``clients`` threads started together; every
    thread's latencies and the wall time from the start to the last one's end.
    The first error of any thread is raised."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    ready = threading.Barrier(clients + 1)

    def run(i: int) -> None:
        ready.wait()
        try:
            work(i, latencies[i])
        except BaseException as err:  # reported by the caller, after the join
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return [ms for mine in latencies for ms in mine], elapsed


def api_concurrent(server: Server, token: str, bodies: Sequence[bytes], clients: int) -> Phase:
    """``bodies`` created by ``clients`` threads, each with its own keep-alive client."""
    url = f"/api/apps/{APP}/{ENTITY}"
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {token}"}
    connections = [
        httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) for _ in range(clients)
    ]
    try:
        for client in connections:  # open each keep-alive connection before the clock starts
            expect(client.get("/api/health"), 200, "GET /api/health")

        def work(i: int, latencies: list[float]) -> None:
            client, clock = connections[i], time.perf_counter
            for body in bodies[i::clients]:
                t0 = clock()
                response = client.post(url, content=body, headers=headers)
                latencies.append((clock() - t0) * 1000)
                if response.status_code != 201:
                    expect(response, 201, f"concurrent create by client {i}")

        latencies, elapsed = in_threads(clients, work)
    finally:
        for client in connections:
            client.close()
    return Phase(len(latencies), elapsed, latencies)


def raw_concurrent(
    engine: Engine, table: Table, rows: Sequence[dict[str, Any]], clients: int
) -> Phase:
    """``rows`` inserted by ``clients`` threads, each on its own connection, one
    ``INSERT`` + ``COMMIT`` per row."""
    statement = insert(table)
    connections = [engine.connect() for _ in range(clients)]
    try:

        def work(i: int, latencies: list[float]) -> None:
            conn, clock = connections[i], time.perf_counter
            for row in rows[i::clients]:
                t0 = clock()
                with conn.begin():
                    conn.execute(statement, row)
                latencies.append((clock() - t0) * 1000)

        latencies, elapsed = in_threads(clients, work)
    finally:
        for conn in connections:
            conn.close()
    return Phase(len(latencies), elapsed, latencies)


def pg_sessions(engine: Engine) -> int | None:
    """Sessions ever opened on the current PostgreSQL database (``pg_stat_database``,
    PostgreSQL 14 and later; it counts every client of that database); None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        found = conn.scalar(
            select(text("sessions"))
            .select_from(text("pg_stat_database"))
            .where(text("datname = current_database()"))
        )
    return None if found is None else int(found)


def http_gets(client: httpx.Client, path: str, n: int) -> Phase:
    latencies: list[float] = []
    clock = time.perf_counter
    start = clock()
    for _ in range(n):
        t0 = clock()
        response = client.get(path)
        latencies.append((clock() - t0) * 1000)
        if response.status_code != 200:
            expect(response, 200, f"GET {path}")
    return Phase(n, clock() - start, latencies)


def api_bulk(
    client: httpx.Client, chunks: Sequence[bytes], sizes: Sequence[int], deadline: float
) -> Phase:
    url = f"/api/apps/{APP}/{ENTITY}/bulk"
    done = 0
    elapsed = 0.0
    for body, size in zip(chunks, sizes, strict=True):
        t0 = time.perf_counter()
        response = client.post(url, content=body, headers=JSON_HEADERS)
        elapsed += time.perf_counter() - t0
        answer = expect(response, 201, f"bulk create of {size} records")
        if answer.get("created") != size or len(answer.get("ids", ())) != size:
            raise BenchError(f"bulk create of {size} records answered {str(answer)[:300]}")
        done += size
        if time.perf_counter() > deadline:
            break
    note = "" if done == sum(sizes) else f"time limit: {done} done"
    return Phase(done, elapsed, note=note)


# -- the bare database --------------------------------------------------------
def scratch_table(conn: Connection) -> tuple[Table, Table]:
    """Reflect the customer table and create an empty twin with its own names."""
    metadata = MetaData()
    source = Table(SOURCE_TABLE, metadata, autoload_with=conn)  # pulls in `users` too
    twin = source.to_metadata(metadata, name=RAW_TABLE)
    for column in twin.columns:
        column.server_default = None  # PostgreSQL: the source's nextval(); SERIAL again
    named: list[Constraint | Index] = [*twin.constraints, *twin.indexes]
    for item in named:  # index and constraint names must not clash with the source's
        if isinstance(item.name, str):
            name = item.name.replace(SOURCE_TABLE, RAW_TABLE)
            item.name = name if RAW_TABLE in name else f"{RAW_TABLE}_{name}"
    twin.drop(conn, checkfirst=True)
    twin.create(conn)
    return source, twin


def raw_single(engine: Engine, table: Table, rows: Sequence[dict[str, Any]]) -> Phase:
    statement = insert(table)
    latencies: list[float] = []
    clock = time.perf_counter
    with engine.connect() as conn:
        start = clock()
        for row in rows:
            t0 = clock()
            with conn.begin():
                conn.execute(statement, row)
            latencies.append((clock() - t0) * 1000)
        elapsed = clock() - start
    return Phase(len(rows), elapsed, latencies)


def raw_bulk(engine: Engine, table: Table, rows: Sequence[dict[str, Any]], chunk: int) -> Phase:
    statement = insert(table)
    with engine.connect() as conn:
        start = time.perf_counter()
        for at in range(0, len(rows), chunk):
            with conn.begin():
                conn.execute(statement, list(rows[at : at + chunk]))
        elapsed = time.perf_counter() - start
    return Phase(len(rows), elapsed)


# -- one backend --------------------------------------------------------------
def merged(phases: Sequence[Phase]) -> Phase:
    notes = [p.note for p in phases if p.note]
    return Phase(
        sum(p.records for p in phases),
        sum(p.seconds for p in phases),
        [ms for p in phases for ms in p.latencies_ms],
        notes[-1] if notes else "",
        sum(p.server_cpu_s for p in phases),
    )


def with_server_cpu(server: Server, run: Callable[[], Phase]) -> Phase:
    """``run``, with the CPU time the server spent meanwhile."""
    before = server.cpu_seconds()
    phase = run()
    phase.server_cpu_s = server.cpu_seconds() - before
    return phase


class NewRows:
    """Reads back the rows the API wrote since the last call (untimed)."""

    def __init__(self, engine: Engine, source: Table) -> None:
        self.engine, self.source, self.last_id = engine, source, 0

    def __call__(self) -> list[dict[str, Any]]:
        columns = [c for c in self.source.columns if c.name != "id"]
        with self.engine.connect() as conn:
            result = conn.execute(
                select(self.source.c.id, *columns)
                .where(self.source.c.id > self.last_id)
                .order_by(self.source.c.id)
            )
            rows = [dict(row._mapping) for row in result]
        if rows:
            self.last_id = rows[-1]["id"]
        for row in rows:
            del row["id"]
        return rows


def run_backend(
    backend: str, args: argparse.Namespace, log: Callable[[str], None]
) -> BackendResult:
    with (
        tempfile.TemporaryDirectory(prefix=f"formwork-bench-{backend}-") as tmp,
        running_server(backend, Path(tmp), pg_url=args.pg_url) as server,
        running_bare_server(Path(tmp) / "bare-uvicorn.log") as bare_url,
        httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client,
        httpx.Client(base_url=bare_url, timeout=REQUEST_TIMEOUT_S) as bare,
        warnings.catch_warnings(),
    ):
        # SQLAlchemy warns that SQLite has no native Decimal; the server stores them alike.
        warnings.filterwarnings("ignore", message=".*Decimal objects natively.*")
        log(f"[{backend}] server up at {server.base_url} (data dir {tmp})")
        deadline = time.perf_counter() + args.time_limit
        login = client.post(
            "/api/auth/login", json={"tenant": "demo", "username": "admin", "password": "demo"}
        )
        token = expect(login, 200, "log in as admin")["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        owners = [u["id"] for u in expect(client.get("/api/users"), 200, "list users")]
        generator = CustomerGenerator(args.seed, owners)

        def encode(batch: str, n: int) -> list[bytes]:
            return [
                json.dumps(generator.record(batch, i), ensure_ascii=False).encode()
                for i in range(n)
            ]

        warm = encode("W", args.warmup)
        singles = encode("S", args.creates)
        concurrent = encode("C", args.concurrent if args.concurrent is not None else args.creates)
        bulk_records = [generator.record("B", i) for i in range(args.bulk)]
        sizes = [len(bulk_records[at : at + CHUNK]) for at in range(0, args.bulk, CHUNK)]
        chunks = [
            json.dumps(bulk_records[at : at + CHUNK], ensure_ascii=False).encode()
            for at in range(0, args.bulk, CHUNK)
        ]

        engine = raw_engine(server, writes=True)
        try:
            with engine.begin() as conn:
                source, twin = scratch_table(conn)
            new_rows = NewRows(engine, source)
            database = database_version(engine, backend)
            floor = http_gets(bare, "/", HEALTH_REQUESTS)
            health = http_gets(client, "/api/health", HEALTH_REQUESTS)

            # API and raw run in alternating blocks, so that both see the same
            # conditions on the machine; the server is idle while raw runs.
            log(f"[{backend}] {args.warmup} warm-up creates, then {args.creates} timed creates")
            api_single(client, warm, math.inf)
            raw_single(engine, twin, new_rows())
            api_blocks: list[Phase] = []
            raw_blocks: list[Phase] = []
            for at in range(0, len(singles), BLOCK):
                block = singles[at : at + BLOCK]
                api_blocks.append(
                    with_server_cpu(server, partial(api_single, client, block, deadline))
                )
                raw_blocks.append(raw_single(engine, twin, new_rows()))
                if api_blocks[-1].note:
                    break
            single_api, single_raw = merged(api_blocks), merged(raw_blocks)

            log(f"[{backend}] {len(concurrent)} creates from {args.clients} clients at once")
            sessions_before = pg_sessions(engine)
            concurrent_api = with_server_cpu(
                server, partial(api_concurrent, server, token, concurrent, args.clients)
            )
            sessions_after = pg_sessions(engine)
            if sessions_before is not None and sessions_after is not None:
                # Less the one pg_sessions itself opened for its second reading.
                opened = sessions_after - sessions_before - 1
                concurrent_api.note = f"{opened} database sessions opened"
            concurrent_raw = raw_concurrent(engine, twin, new_rows(), args.clients)

            log(f"[{backend}] bulk: {args.bulk} records in {len(chunks)} request(s)")
            api_chunks: list[Phase] = []
            raw_chunks: list[Phase] = []
            for body, size in zip(chunks, sizes, strict=True):
                api_chunks.append(
                    with_server_cpu(server, partial(api_bulk, client, [body], [size], math.inf))
                )
                raw_chunks.append(raw_bulk(engine, twin, new_rows(), CHUNK))
                if time.perf_counter() > deadline:
                    api_chunks[-1].note = "time limit"
                    break
            bulk_api, bulk_raw = merged(api_chunks), merged(raw_chunks)

            expected = args.warmup + single_api.records + concurrent_api.records + bulk_api.records
            listing = expect(
                client.get(f"/api/apps/{APP}/{ENTITY}", params={"page_size": 50}), 200, "list"
            )
            shown = len(listing.get("items", ()))
            if listing.get("total") != expected or shown != min(50, expected):
                raise BenchError(
                    f"the list shows total={listing.get('total')} and {shown} items; "
                    f"expected total {expected}"
                )
            with engine.begin() as conn:
                copied = conn.scalar(select(func.count()).select_from(twin))
                twin.drop(conn)
            if copied != expected:
                raise BenchError(f"{RAW_TABLE} got {copied} rows, expected {expected}")
        finally:
            engine.dispose()
    return BackendResult(
        backend,
        database,
        single_api,
        single_raw,
        concurrent_api,
        concurrent_raw,
        bulk_api,
        bulk_raw,
        health,
        floor,
        args.clients,
    )


# -- output -------------------------------------------------------------------
def _fmt(value: float, digits: int = 1) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def table(result: BackendResult) -> str:
    rows = [
        ("single create  API", result.single_api),
        ("single create  raw", result.single_raw),
        (f"{result.clients} clients     API", result.concurrent_api),
        (f"{result.clients} clients     raw", result.concurrent_raw),
        ("bulk           API", result.bulk_api),
        ("bulk           raw", result.bulk_raw),
    ]
    lines = [
        f"== {result.backend}: {result.database}",
        f"{'':20}{'records':>9}{'records/s':>12}{'median ms':>11}{'p95 ms':>9}"
        f"{'server CPU ms/record':>22}",
    ]
    for label, phase in rows:
        median = _fmt(phase.median_ms, 3) if phase.latencies_ms else ""
        p95 = _fmt(phase.p95_ms, 3) if phase.latencies_ms else ""
        cpu = "" if math.isnan(phase.server_cpu_s) else _fmt(phase.cpu_ms_per_record, 3)
        note = f"  ({phase.note})" if phase.note else ""
        lines.append(
            f"{label:20}{phase.records:>9,}{_fmt(phase.per_second):>12}{median:>11}{p95:>9}"
            f"{cpu:>22}{note}"
        )
    for label, phase, what in [
        ("GET /api/health", result.health, "Formwork, one SELECT 1"),
        ("HTTP floor", result.floor, "bare uvicorn ASGI app, no framework"),
    ]:
        lines.append(
            f"{label:20}{'':>9}{_fmt(phase.per_second):>12}{_fmt(phase.median_ms, 3):>11}"
            f"{_fmt(phase.p95_ms, 3):>9}  ({what})"
        )
    lines.append(
        f"ratio API/raw: single create {result.single_ratio:.1f}x slower "
        f"(median latency {result.single_median_ratio:.1f}x), bulk {result.bulk_ratio:.1f}x slower"
    )
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def summary(results: Sequence[BackendResult]) -> str:
    lines = ["== summary"]
    for r in results:
        lines.append(
            f"{r.backend:10} single {r.single_api.median_ms:.2f} ms median, "
            f"{r.single_api.per_second:,.0f}/s ({r.single_ratio:.1f}x raw); "
            f"bulk {r.bulk_api.per_second:,.0f}/s ({r.bulk_ratio:.1f}x raw); "
            f"{r.clients} clients {r.concurrent_api.median_ms:.2f} ms median, "
            f"{r.concurrent_api.p95_ms:.2f} ms p95, {r.concurrent_api.per_second:,.0f}/s"
        )
    for r in results:
        if r.backend == "sqlite":
            lines.append(
                f"target: single create < {TARGET_SINGLE_MEDIAN_MS:g} ms median on SQLite: "
                f"{verdict(r.single_api.median_ms < TARGET_SINGLE_MEDIAN_MS)} "
                f"({r.single_api.median_ms:.2f} ms; peers {PEER_SINGLE_MEDIAN_MS[0]:g}–"
                f"{PEER_SINGLE_MEDIAN_MS[1]:g} ms, {PEER_SINGLE_PER_S[0]:g}–"
                f"{PEER_SINGLE_PER_S[1]:g}/s)"
            )
        lines.append(
            f"target: bulk > {TARGET_BULK_PER_S:,.0f} records/s on {r.backend}: "
            f"{verdict(r.bulk_api.per_second > TARGET_BULK_PER_S)} "
            f"({r.bulk_api.per_second:,.0f}/s; peers {PEER_BULK_PER_S[0]:,.0f}–"
            f"{PEER_BULK_PER_S[1]:,.0f}/s)"
        )
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__.split("\n\n")[0], warmup=50)
    parser.add_argument("--creates", type=bounded(1, MAX_CREATES), default=2000)
    parser.add_argument("--bulk", type=bounded(1, MAX_BULK), default=10_000)
    parser.add_argument(
        "--concurrent",
        type=bounded(1, MAX_CREATES),
        default=None,
        help="creates from --clients threads at once (default: as many as --creates)",
    )
    parser.add_argument("--clients", type=bounded(1, MAX_CLIENTS), default=8)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=600.0,
        help="seconds per backend for the API phases; stops early and reports what was done",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workload = (
        f"workload: mini_crm customer, {args.creates} sequential single creates "
        f"(+{args.warmup} warm-up), {args.concurrent or args.creates} creates from "
        f"{args.clients} clients at once, {args.bulk} bulk records in chunks of <= {CHUNK:,}; "
        f"seed {args.seed}"
    )
    return run_benches(args, workload, run_backend, table, summary)


if __name__ == "__main__":
    sys.exit(main())
