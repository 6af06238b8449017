"""A real ``formwork serve`` process for benchmarks, and everything it leaves behind.

``running_server(backend, data_dir)`` runs ``formwork demo`` and then
``formwork serve`` as subprocesses on a free loopback port, waits (bounded)
for ``GET /api/health`` and yields a ``Server``. On the way out, whatever
happened, it stops the process (SIGINT, then SIGKILL after a grace period)
and, on PostgreSQL, drops every schema of the run's own prefix.
"""

from __future__ import annotations

import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
FORMWORK = Path(sys.executable).parent / "formwork"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("FORMWORK_BENCH_PG_URL", DEFAULT_PG_URL)
DEMO_TIMEOUT_S = 180
HEALTH_TIMEOUT_S = 30
STOP_GRACE_S = 15

# Runs the CLI under cProfile in the server's main thread. Sync endpoints and
# dependencies normally hop to anyio's worker threads, which cProfile (per
# thread on Python 3.11) would not see, so they run inline on the event loop
# here: fine for a sequential client, and it is what makes the profile whole.
PROFILED_CLI = """
import cProfile, sys
import anyio.to_thread

async def _inline(func, *args, **kwargs):
    return func(*args)

anyio.to_thread.run_sync = _inline
from api.cli import app

out = sys.argv[1]
sys.argv = ["formwork", *sys.argv[2:]]
profiler = cProfile.Profile()
profiler.enable()
try:
    app()
except SystemExit:
    pass
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


# The least any Python HTTP server on uvicorn can do: a bare ASGI app, no framework.
BARE_ASGI_APP = """
import sys, uvicorn

async def app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"status":"ok"}'})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), lifespan="off",
            log_level="warning", access_log=False)
"""


class ServerError(RuntimeError):
    """The server could not be set up or answered unexpectedly."""


@dataclass
class Server:
    backend: str
    base_url: str
    data_dir: Path
    database_url: str  # the catalogue's URL; "" for SQLite
    pg_schema_prefix: str
    log_path: Path
    pid: int | None = None

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (all threads), or NaN where
        /proc is not there.

        On a shared machine a request's latency includes waiting for a CPU; the
        CPU time the server spends on it does not, so it compares across runs.
        """
        if self.pid is None:
            return math.nan
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return math.nan
        fields = stat.rsplit(")", 1)[1].split()
        user, system = int(fields[11]), int(fields[12])
        return (user + system) / os.sysconf("SC_CLK_TCK")

    @property
    def tenant_file(self) -> Path:
        return self.data_dir / "tenants" / "demo.db"

    def tenant_schema(self, tenant: str = "demo") -> str:
        return f"{self.pg_schema_prefix}t_{tenant}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_schema_prefix() -> str:
    return f"fwbench_{secrets.token_hex(3)}_"


def postgres_problem(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as err:
        return f"PostgreSQL at {url} is unreachable: {err.__class__.__name__}: {err}"
    return None


def drop_pg_schemas(prefix: str, url: str = PG_URL) -> list[str]:
    """Drop every schema whose name starts with ``prefix``; return their names."""
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as conn:
            pattern = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
            schemas = list(
                conn.scalars(
                    text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"), {"p": pattern}
                )
            )
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        return schemas
    finally:
        engine.dispose()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully
    try:
        process.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            process.kill()
        process.wait(5)


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, server: Server) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last_error = "no answer yet"
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(
                    f"formwork serve exited with code {process.returncode} before it was "
                    f"healthy; last lines of its log:\n{server.log_tail()}"
                )
            try:
                response = client.get("/api/health")
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.TransportError as err:
                last_error = f"{err.__class__.__name__}: {err}"
            time.sleep(0.1)
    raise ServerError(
        f"GET /api/health did not answer 200 within {HEALTH_TIMEOUT_S} s ({last_error}); "
        f"last lines of the server log:\n{server.log_tail()}"
    )


@contextmanager
def running_server(
    backend: str,
    data_dir: Path,
    *,
    pg_url: str = PG_URL,
    profile_to: Path | None = None,
) -> Iterator[Server]:
    """Set up the demo tenant and serve it; always stop and clean up afterwards."""
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"unknown backend {backend!r}")
    port = free_port()
    prefix = new_schema_prefix()
    database_url = pg_url if backend == "postgresql" else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORMWORK_")}
    env.update(
        FORMWORK_DATA_DIR=str(data_dir),
        FORMWORK_HOST="127.0.0.1",
        FORMWORK_PORT=str(port),
        FORMWORK_PASSWORD_PROFILE="fast",
        FORMWORK_PG_SCHEMA_PREFIX=prefix,
        FORMWORK_WEB_DIST=str(data_dir / "no-web"),
        # The bench measures the write path, not the rate limiter: one client
        # sending as fast as it can is exactly what the limits exist to stop.
        FORMWORK_RATE_USER_PER_SECOND="0",
        FORMWORK_RATE_IP_PER_SECOND="0",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["FORMWORK_DATABASE_URL"] = database_url
    log_path = data_dir / f"server-{backend}.log"
    server = Server(
        backend=backend,
        base_url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        database_url=database_url,
        pg_schema_prefix=prefix,
        log_path=log_path,
    )
    process: subprocess.Popen[bytes] | None = None
    try:
        demo = subprocess.run(
            # The benches measure the example app; the CRM and its demo data would only add wait.
            [str(FORMWORK), "demo", "--no-crm"],
            cwd=REPO,
            env=env,
            capture_output=True,
            timeout=DEMO_TIMEOUT_S,
        )
        if demo.returncode != 0:
            raise ServerError(
                f"formwork demo failed with code {demo.returncode}:\n"
                f"{demo.stdout.decode(errors='replace')}{demo.stderr.decode(errors='replace')}"
            )
        if profile_to is None:
            command = [str(FORMWORK), "serve"]
        else:
            command = [sys.executable, "-c", PROFILED_CLI, str(profile_to), "serve"]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal reaches us, not it
            )
        server.pid = process.pid
        _wait_healthy(process, server.base_url, server)
        yield server
    finally:
        if process is not None:
            _stop(process)
        if backend == "postgresql":
            try:
                drop_pg_schemas(prefix, pg_url)
            except Exception as err:
                print(
                    f"warning: could not drop the schemas {prefix}*: {err}; "
                    f"drop them by hand (DROP SCHEMA ... CASCADE)",
                    file=sys.stderr,
                )


@contextmanager
def running_bare_server(log_path: Path) -> Iterator[str]:
    """A bare uvicorn ASGI app on a free loopback port: the HTTP floor. Yields its URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process: subprocess.Popen[bytes] | None = None
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", BARE_ASGI_APP, str(port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        with httpx.Client(base_url=base_url, timeout=2.0) as client:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise ServerError(f"the bare uvicorn app did not start:\n{tail}")
                try:
                    if client.get("/").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        yield base_url
    finally:
        if process is not None:
            _stop(process)
