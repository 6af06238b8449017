"""Where the time of a create goes, in the server process.

Run: ``.venv/bin/python bench/profile_create.py [--backend sqlite|postgresql]
[--creates 500 | --bulk 10000] [--out server.prof]``.

Starts ``formwork serve`` under cProfile (see ``_server.PROFILED_CLI``: sync
endpoints run inline on the event loop so the one profiled thread sees the
whole request), sends ``--creates`` sequential single creates of customers
from ``records.py``'s generator (or, with ``--bulk N``, one bulk request of N
records), stops the server and prints

* the server's busy time per record (cProfile inflates pure-Python code, so
  read the shares, not the absolute times),
* self time by package (SQLAlchemy, the database driver, FastAPI, ...),
* the Formwork functions with the largest inclusive share ("calls per
  request" counts a generator-based context manager twice: entry and exit),
* SQL statements executed per request.

The ``.prof`` file (``--out``) opens with ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import pstats
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from _server import PG_URL, running_server
from records import APP, ENTITY, CustomerGenerator, api_bulk, api_single

Key = tuple[str, int, str]
IDLE = "(idle: waiting for the next request)"


def group_of(key: Key) -> str:
    path, _line, name = key
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0]
    for part in ("engine", "api", "builder"):
        if f"/{part}/" in path and "/bench/" not in path and "/lib/python3" not in path:
            return f"formwork {part}"
    if path == "~":
        if "epoll" in name or "select." in name:
            return IDLE
        if "socket" in name:
            return "socket send/recv"
        if "sqlite3" in name:
            return "sqlite3 (C)"
        return "builtins"
    if "/lib/python3" in path:
        return "stdlib " + path.split("/lib/python3")[1].split("/")[1].removesuffix(".py")
    return path


def report(stats_path: Path, route: str, records_per_request: int, top: int) -> str:
    stats: Any = pstats.Stats(str(stats_path))
    table: dict[Key, tuple[int, int, float, float, object]] = stats.stats
    total = sum(v[2] for v in table.values())
    by_group: dict[str, float] = collections.defaultdict(float)
    for key, (_cc, _nc, tottime, _ct, _callers) in table.items():
        by_group[group_of(key)] += tottime
    idle = by_group.pop(IDLE, 0.0)
    busy = total - idle

    def calls(path_end: str, name: str) -> int:
        return sum(v[1] for k, v in table.items() if k[0].endswith(path_end) and k[2] == name)

    requests = calls("api/routes/records.py", route) or 1
    records = requests * records_per_request
    statements = calls("sqlalchemy/engine/base.py", "_execute_context")
    lines = [
        f"profile of {requests} request(s) to the {route!r} endpoint, {records} record(s), "
        f"{'warm-up included: ' if route == 'create' else ''}busy {busy:.2f} s of {total:.2f} s, "
        f"{busy / records * 1000:.2f} ms per record under cProfile; "
        f"{statements / requests:.1f} SQL statements per request (BEGINs included)",
        "",
        "self time by package (share of busy time)",
    ]
    for group, seconds in sorted(by_group.items(), key=lambda item: -item[1])[:12]:
        lines.append(f"  {100 * seconds / busy:5.1f}%  {group}")
    lines += ["", "Formwork functions, inclusive time (share of busy time, ms per record)"]
    ours = [
        (v[3], k, v[1])
        for k, v in table.items()
        if group_of(k).startswith("formwork") and not k[0].endswith("api/cli.py")
    ]
    for cumtime, (path, line, name), ncalls in sorted(ours, reverse=True)[:top]:
        where = path.split("/work/main/")[-1] if "/work/main/" in path else path
        lines.append(
            f"  {100 * cumtime / busy:5.1f}%  {1000 * cumtime / records:7.3f} ms  "
            f"{where}:{line}:{name}  ({ncalls / requests:g} calls per request)"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--creates", type=int, default=500)
    parser.add_argument("--bulk", type=int, default=0, help="profile one bulk request instead")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="keep the .prof file here")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    if not 1 <= args.creates <= 20_000 or not 0 <= args.bulk <= 10_000:
        parser.error("--creates must be 1..20000 and --bulk 0..10000")
    with tempfile.TemporaryDirectory(prefix="formwork-profile-") as tmp:
        out = args.out.resolve() if args.out else Path(tmp) / "server.prof"
        with (
            running_server(args.backend, Path(tmp), pg_url=args.pg_url, profile_to=out) as server,
            httpx.Client(base_url=server.base_url, timeout=300) as client,
        ):
            login = client.post(
                "/api/auth/login",
                json={"tenant": "demo", "username": "admin", "password": "demo"},
            )
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            owners = [u["id"] for u in client.get("/api/users").json()]
            generator = CustomerGenerator(7, owners)

            def encode(batch: str, n: int) -> list[bytes]:
                return [
                    json.dumps(generator.record(batch, i), ensure_ascii=False).encode()
                    for i in range(n)
                ]

            if args.bulk:  # one large request: set-up costs are noise, no warm-up
                rows = [generator.record("B", i) for i in range(args.bulk)]
                body = json.dumps(rows, ensure_ascii=False).encode()
                phase = api_bulk(client, [body], [args.bulk], math.inf)
                print(
                    f"{args.backend}: one bulk create of {args.bulk} {APP}.{ENTITY} under "
                    f"cProfile: {phase.per_second:,.0f} records/s (deflated)"
                )
            else:
                api_single(client, encode("W", args.warmup), math.inf)
                phase = api_single(client, encode("S", args.creates), math.inf)
                print(
                    f"{args.backend}: {phase.records} creates of {APP}.{ENTITY} under cProfile: "
                    f"median {phase.median_ms:.2f} ms, p95 {phase.p95_ms:.2f} ms (inflated)"
                )
        if not out.exists():
            print(f"error: the server wrote no profile to {out}", file=sys.stderr)
            return 1
        if args.bulk:
            print(report(out, "bulk_create", args.bulk, args.top))
        else:
            print(report(out, "create", 1, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
