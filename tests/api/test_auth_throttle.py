"""Login throttling: per account and per client IP, with backoff, across processes.

The tests run on a second "process" of the test platform (``strict``) with the
real thresholds and a first wait of a minute, so that whether an attempt
lands inside a wait never depends on how fast a loaded machine is; time
passing is simulated by ending the waits in the catalogue.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from api.platform import Platform
from engine.accounts.login_throttle import ThrottlePolicy
from engine.store.tables import login_throttle

FIRST_WAIT = 60
_ips = itertools.count(1)


@pytest.fixture
def strict(platform: Platform) -> Iterator[Platform]:
    """Another process on the test database, with the default thresholds (5 and 30)."""
    policy = ThrottlePolicy()
    settings = replace(
        platform.settings,
        login_account_threshold=policy.account.threshold,
        login_ip_threshold=policy.ip.threshold,
        login_base_delay_seconds=FIRST_WAIT,
    )
    other = Platform(settings)
    yield other
    other.close()


def client_at(platform: Platform, ip: str | None = None) -> TestClient:
    """A test client whose requests come from their own IP."""
    if ip is None:
        n = next(_ips)
        ip = f"198.18.{n // 250 % 250}.{n % 250 + 1}"  # the benchmarking range: unused elsewhere
    app = create_app(platform.settings, platform)
    return TestClient(app, raise_server_exceptions=False, client=(ip, 4321))


def attempt(
    client: TestClient, tenant: str, username: str = "admin", password: str = "wrong"
) -> int:
    body = {"tenant": tenant, "username": username, "password": password}
    return int(client.post("/api/auth/login", json=body).status_code)


def end_waits(platform: Platform) -> None:
    """As if the waits had passed (the failure counts stay)."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with platform.store.catalog.begin() as conn:
        conn.execute(update(login_throttle).values(locked_until=past))


def test_25_wrong_passwords_are_not_all_answered(strict: Platform, tenant: str) -> None:
    client = client_at(strict)
    answers = [attempt(client, tenant) for _ in range(25)]
    assert answers == [401] * 5 + [429] * 20
    throttled = client.post(
        "/api/auth/login", json={"tenant": tenant, "username": "admin", "password": "wrong"}
    )
    assert throttled.headers["content-type"] == "application/problem+json"
    assert 1 <= int(throttled.headers["Retry-After"]) <= FIRST_WAIT
    assert throttled.json()["status"] == 429
    assert throttled.json()["retry_after"] == int(throttled.headers["Retry-After"])


def test_a_waiting_account_is_refused_without_checking_the_password(
    strict: Platform, tenant: str
) -> None:
    client = client_at(strict)
    for _ in range(5):
        assert attempt(client, tenant) == 401
    assert attempt(client, tenant, password="pw") == 429  # even the right password waits
    end_waits(strict)
    assert attempt(client, tenant, password="pw") == 200
    # A successful log-in forgets the account's failures: the next wrong one is a 401.
    assert attempt(client, tenant) == 401


def test_each_further_failure_doubles_the_wait(strict: Platform, tenant: str) -> None:
    client = client_at(strict)
    for _ in range(5):
        attempt(client, tenant)
    end_waits(strict)
    assert attempt(client, tenant) == 401  # the sixth failure: now twice the first wait
    body = {"tenant": tenant, "username": "admin", "password": "x"}
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 429
    assert FIRST_WAIT < int(response.headers["Retry-After"]) <= 2 * FIRST_WAIT


def test_unknown_accounts_and_tenants_are_throttled_alike(strict: Platform, tenant: str) -> None:
    client = client_at(strict)
    missing = f"missing_{secrets.token_hex(4)}"
    for username, tenant_key in (("ghost", tenant), ("admin", missing)):
        answers = [attempt(client, tenant_key, username, "pw") for _ in range(6)]
        assert answers == [401] * 5 + [429], (username, tenant_key)


def test_one_account_waiting_does_not_lock_out_another(strict: Platform, tenant: str) -> None:
    client = client_at(strict)
    for _ in range(6):
        attempt(client, tenant, "admin")
    assert attempt(client, tenant, "admin", "pw") == 429
    assert attempt(client, tenant, "rep", "pw") == 200


def test_one_ip_waits_after_many_failures_on_many_accounts(strict: Platform, tenant: str) -> None:
    client = client_at(strict)
    answers = [attempt(client, tenant, f"nobody{i}") for i in range(30)]
    assert answers == [401] * 30
    assert attempt(client, tenant, "rep", "pw") == 429  # the IP waits, whatever the account
    assert attempt(client_at(strict), tenant, "rep", "pw") == 200  # another IP does not


def test_throttling_holds_across_processes(strict: Platform, tenant: str) -> None:
    ip = "198.51.100.77"
    first = client_at(strict, ip)
    other_process = Platform(strict.settings)  # its own engines, the same database
    try:
        second = client_at(other_process, ip)
        for _ in range(5):
            assert attempt(first, tenant) == 401
        assert attempt(second, tenant, password="pw") == 429
    finally:
        other_process.close()


def test_forwarded_for_counts_only_behind_a_trusted_proxy(strict: Platform, tenant: str) -> None:
    proxied = Platform(replace(strict.settings, trusted_proxies="10.0.0.0/8"))
    try:
        proxy = client_at(proxied, "10.1.2.3")
        stranger = client_at(strict, "192.0.2.200")
        spoofed = {"X-Forwarded-For": "203.0.113.9"}
        # An untrusted peer's header is ignored: its failures count against its own IP.
        for i in range(30):
            body = {"tenant": tenant, "username": f"spoof{i}", "password": "x"}
            assert stranger.post("/api/auth/login", json=body, headers=spoofed).status_code == 401
        assert attempt(stranger, tenant, "rep", "pw") == 429
        # Behind the trusted proxy, the forwarded client 203.0.113.9 is not the one waiting.
        forwarded = {"X-Forwarded-For": "203.0.113.9, 10.0.0.5"}
        ok = {"tenant": tenant, "username": "rep", "password": "pw"}
        answer = proxy.post("/api/auth/login", json=ok, headers=forwarded)
        assert answer.status_code == 200
        token = answer.json()["access_token"]
        sessions = proxy.get("/api/sessions", headers={"Authorization": f"Bearer {token}"})
        assert {s["ip"] for s in sessions.json()} == {"203.0.113.9"}
    finally:
        proxied.close()


def test_failures_and_lockouts_are_security_events(
    strict: Platform, tenant: str, auth: dict[str, str]
) -> None:
    client = client_at(strict, "192.0.2.31")
    for _ in range(6):
        attempt(client, tenant, "rep")
    events = client.get("/api/security-events", headers=auth, params={"page_size": 200}).json()
    actions = [e["action"] for e in events["items"]]
    assert actions.count("login_failed") == 5 and actions.count("login_locked") == 1
    failed = next(e for e in events["items"] if e["action"] == "login_failed")
    assert failed["username"] == "rep"
    assert failed["detail"] == {"username": "rep", "ip": "192.0.2.31"}
    locked = next(e for e in events["items"] if e["action"] == "login_locked")
    assert locked["detail"]["by"] == "account" and locked["detail"]["retry_after"] == FIRST_WAIT
    assert "login" in actions  # the admin's own log-in (the auth fixture)
