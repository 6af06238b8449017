"""Shared fixtures: every data-layer test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``FORMWORK_TEST_PG_URL`` (default: the local server).
When it cannot be reached its tests are skipped with a line saying so,
unless ``FORMWORK_REQUIRE_PG=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.platform import Platform
from api.settings import Settings
from engine.accounts.users import create_user

PG_URL = os.environ.get("FORMWORK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("FORMWORK_REQUIRE_PG") == "1"
EXAMPLE = Path(__file__).resolve().parents[1] / "templates" / "examples" / "mini_crm.json"

_pg_error: str | None = None
_pg_checked = False


def postgres_unreachable() -> str | None:
    global _pg_checked, _pg_error
    if not _pg_checked:
        _pg_checked = True
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as err:  # any failure to connect means "unreachable"
            _pg_error = f"PostgreSQL at {PG_URL} is unreachable: {err.__class__.__name__}"
    return _pg_error


def make_settings(backend: str, data_dir: Path, prefix: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=PG_URL if backend == "postgresql" else "",
        secret_key=secrets.token_urlsafe(48),
        password_profile="fast",
        pg_schema_prefix=prefix,
        web_dist=data_dir / "no-web",
        # EDGE: the suite must not be throttled; tests/api/test_edge_rate_limit.py
        # builds apps with small limits of its own.
        rate_user_per_second=100_000.0,
        rate_user_burst=1_000_000,
        rate_ip_per_second=100_000.0,
        rate_ip_burst=1_000_000,
        # SESSIONS: every TestClient request comes from "testclient", so the
        # whole session's failed log-ins would add up on one IP; the IP limit
        # is tested with its real value in tests/api/test_auth_throttle.py.
        login_ip_threshold=1_000_000,
    )


def drop_pg_schemas(prefix: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        schemas = conn.scalars(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
            {"p": prefix.replace("_", r"\_") + "%"},
        ).all()
        for schema in schemas:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        reason = postgres_unreachable()
        if reason:
            if REQUIRE_PG:
                pytest.fail(f"{reason} (FORMWORK_REQUIRE_PG=1)")
            pytest.skip(reason)
    return str(request.param)


@pytest.fixture(scope="session")
def platform(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    prefix = f"fwt{secrets.token_hex(3)}_"
    settings = make_settings(backend, tmp_path_factory.mktemp(backend), prefix)
    platform = Platform(settings)
    platform.store.migrate_catalog()
    yield platform
    platform.close()
    if backend == "postgresql":
        drop_pg_schemas(prefix)


_tenant_numbers = itertools.count(1)


@pytest.fixture
def tenant(platform: Platform) -> Iterator[str]:
    """A fresh tenant with an admin (password 'pw'), dropped afterwards."""
    key = f"t{next(_tenant_numbers)}_{secrets.token_hex(2)}"
    platform.store.create_tenant(key, key)
    with platform.store.write(key) as conn:
        create_user(conn, platform.passwords, "admin", "pw", "Admin", is_admin=True)
        create_user(conn, platform.passwords, "rep", "pw", "Rep")
    yield key
    platform.runtimes.forget_tenant(key)
    platform.store.drop_tenant(key)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform.settings, platform)
    # No context manager: the lifespan would dispose the shared platform.
    yield TestClient(app, raise_server_exceptions=False)


def login(client: TestClient, tenant: str, username: str = "admin") -> dict[str, str]:
    response = client.post(
        "/api/auth/login", json={"tenant": tenant, "username": username, "password": "pw"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def auth(client: TestClient, tenant: str) -> dict[str, str]:
    return login(client, tenant)


@pytest.fixture
def example_definition() -> dict[str, Any]:
    import json

    return dict(json.loads(EXAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def mini_crm(client: TestClient, auth: dict[str, str], example_definition: dict[str, Any]) -> str:
    """The example app installed through the API into the test tenant."""
    response = client.post("/api/apps", json=example_definition, headers=auth)
    assert response.status_code == 201, response.text
    return "mini_crm"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `formwork serve` on loopback with the demo set up, as `make run` does."""
    import subprocess
    import sys
    import time

    import httpx

    from api.settings import REPO

    if not (REPO / "web" / "dist" / "index.html").is_file():
        pytest.fail("web/dist is not built: run `make web` (make test does)")
    port = _free_port()
    env = {
        **os.environ,
        "FORMWORK_DATA_DIR": str(tmp_path_factory.mktemp("live")),
        "FORMWORK_PORT": str(port),
        "FORMWORK_PASSWORD_PROFILE": "fast",
    }
    env.pop("FORMWORK_DATABASE_URL", None)
    command = [sys.executable, "-m", "api.cli"]
    subprocess.run([*command, "demo"], env=env, check=True, capture_output=True, timeout=120)
    # A file, not a pipe: nobody reads a pipe while tests run, and the server
    # (one access-log line per request) would block once its buffer filled.
    log_path = tmp_path_factory.mktemp("live-log") / "serve.log"
    log_file = log_path.open("wb")
    server = subprocess.Popen(
        [*command, "serve"], env=env, stdout=log_file, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")
                pytest.fail(f"formwork serve did not come up:\n{output}")
            time.sleep(0.1)
        yield base
    finally:
        log_file.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
