"""Rate limits per caller and per IP: 429 problem+json with Retry-After."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware.rate_limit import TokenBuckets
from api.platform import Platform
from api.settings import Settings
from tests.conftest import login


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0  # keys are independent
    clock.now += 0.5
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    clock.now += 60
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]  # never more than the burst
    assert buckets.take("a") > 0


def test_default_limits_are_sane_for_a_team() -> None:
    settings = Settings(secret_key="x")
    assert 10 <= settings.rate_user_per_second <= settings.rate_ip_per_second
    assert 50 <= settings.rate_user_burst < 300
    assert settings.rate_ip_burst < 1000


def _client(platform: Platform, **limits: float) -> TestClient:
    settings = dataclasses.replace(platform.settings)
    for name, value in limits.items():
        setattr(settings, name, type(getattr(settings, name))(value))
    return TestClient(create_app(settings, platform), raise_server_exceptions=False)


def test_a_caller_over_the_limit_gets_429_with_retry_after(platform: Platform, tenant: str) -> None:
    # A token every 100 s, so no refill lands between the calls on a busy machine.
    client = _client(platform, rate_user_per_second=0.01, rate_user_burst=5)
    admin = login(client, tenant, "admin")
    rep = login(client, tenant, "rep")
    statuses = [client.get("/api/me", headers=admin).status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3
    refused = client.get("/api/me", headers=admin)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    # Another user of the same tenant has a bucket of their own.
    assert client.get("/api/me", headers=rep).status_code == 200


def test_three_hundred_parallel_requests_see_429s(platform: Platform, tenant: str) -> None:
    # The shipped defaults, not the suite's raised ones.
    defaults = Settings(secret_key="x")
    client = _client(
        platform,
        rate_user_per_second=defaults.rate_user_per_second,
        rate_user_burst=defaults.rate_user_burst,
        rate_ip_per_second=defaults.rate_ip_per_second,
        rate_ip_burst=defaults.rate_ip_burst,
    )
    auth = login(client, tenant)
    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(
            pool.map(lambda _: client.get("/api/me", headers=auth).status_code, range(300))
        )
    assert set(statuses) <= {200, 429}
    assert statuses.count(429) >= 100
    assert statuses.count(200) >= defaults.rate_user_burst


def test_per_ip_limit_covers_anonymous_calls(platform: Platform, tenant: str) -> None:
    # A token every 100 s: failed log-ins are slow (hashing, throttling), and a
    # refill between them would let a fifth one through.
    client = _client(platform, rate_ip_per_second=0.01, rate_ip_burst=4)
    statuses = [
        client.post(
            "/api/auth/login", json={"tenant": tenant, "username": "x", "password": "y"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:4] == [401] * 4
    assert statuses[4:] == [429, 429]
    # Made-up tokens are throttled before any is verified.
    response = client.get("/api/me", headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 429
