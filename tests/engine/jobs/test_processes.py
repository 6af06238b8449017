"""Real worker processes: one killed with SIGKILL loses nothing; two share 1,000 jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from engine.jobs import enqueue, run_until_idle
from engine.platform import Platform
from tests.engine.jobs.kit import create_effects, effects, make_kinds, statuses

REPO = Path(__file__).resolve().parents[3]


def worker_args(platform: Platform, tenant: str, **extra: Any) -> list[str]:
    store = platform.store
    args = {
        "database_url": store.url.render_as_string(hide_password=False),
        "data_dir": str(store.data_dir),
        "prefix": store.pg_schema_prefix,
        "tenant": tenant,
        **extra,
    }
    return [sys.executable, "-m", "tests.engine.jobs.worker_process", json.dumps(args)]


def test_a_worker_killed_while_holding_jobs_loses_none(
    platform: Platform, tenant: str, tmp_path: Path
) -> None:
    store = platform.store
    create_effects(store, tenant)
    with store.write(tenant) as conn:
        ids = [enqueue(conn, "test.slow") for _ in range(4)]
    started = tmp_path / "started"
    started.mkdir()
    # The loop claims all four (one batch) under a 1.5 s lease and starts the first.
    process = subprocess.Popen(
        worker_args(
            platform,
            tenant,
            mode="loop",
            lease=1.5,
            batch_size=10,
            started_dir=str(started),
            slow_seconds=30,
        ),
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 20
        while not any(started.iterdir()):
            assert process.poll() is None and time.monotonic() < deadline, "worker did not start"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert statuses(store, tenant) == {"running": 4} and effects(store, tenant) == []
    kinds = make_kinds()
    assert run_until_idle(store, kinds, tenant, holder="survivor") == 0  # leases still held
    time.sleep(1.6)
    assert run_until_idle(store, kinds, tenant, holder="survivor") == 4
    assert effects(store, tenant) == sorted(i for i in ids if i is not None)
    assert statuses(store, tenant) == {"done": 4}


def test_two_worker_processes_run_each_of_1000_jobs_exactly_once(
    platform: Platform, tenant: str
) -> None:
    # PostgreSQL: FOR UPDATE SKIP LOCKED shares the queue. SQLite: each claim is a
    # write transaction, which the database serialises; a deployment runs one
    # dispatcher per data directory, but even two claimers never run a job twice.
    store = platform.store
    create_effects(store, tenant)
    with store.write(tenant) as conn:
        for _ in range(1000):
            enqueue(conn, "test.effect")
    command = worker_args(platform, tenant, mode="drain", batch_size=25)
    processes = [
        subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    ran = [json.loads(output)["ran"] for output in outputs]
    done = effects(store, tenant)
    print("jobs run per worker:", ran)
    assert len(done) == 1000 and len(set(done)) == 1000 and sum(ran) == 1000
    assert statuses(store, tenant) == {"done": 1000}


def test_sigterm_stops_a_worker_after_the_job_in_hand(
    platform: Platform, tenant: str, tmp_path: Path
) -> None:
    store = platform.store
    create_effects(store, tenant)
    with store.write(tenant) as conn:
        job_id = enqueue(conn, "test.slow")
    started = tmp_path / "started"
    started.mkdir()
    args = {"mode": "loop", "started_dir": str(started), "slow_seconds": 1}
    process = subprocess.Popen(worker_args(platform, tenant, **args), cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while not any(started.iterdir()):
            assert process.poll() is None and time.monotonic() < deadline, "worker did not start"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert effects(store, tenant) == [job_id] and statuses(store, tenant) == {"done": 1}
