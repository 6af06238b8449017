"""The outbox and the runner in one process: transactions, retries, dead letters, dedupe."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.jobs import UnknownJobKind, Worker, admin, due, enqueue, run_batch, run_until_idle
from engine.platform import Platform
from engine.store import Store
from engine.store.tables import due_tenants, jobs
from tests.conftest import drop_pg_schemas
from tests.engine.jobs.kit import create_effects, effects, make_kinds, statuses

HOLDER = "test-holder"


def test_a_rolled_back_enqueue_leaves_no_job_and_a_committed_one_runs(
    platform: Platform, tenant: str
) -> None:
    store, kinds = platform.store, make_kinds()
    create_effects(store, tenant)
    with pytest.raises(RuntimeError), store.write(tenant) as conn:
        enqueue(conn, "test.effect", {"n": 1})
        raise RuntimeError("the write failed")
    with store.write(tenant) as conn:
        kept = kinds.enqueue(conn, "test.effect", {"n": 2})
    assert statuses(store, tenant) == {"queued": 1}
    assert run_until_idle(store, kinds, tenant, holder=HOLDER) == 1
    assert effects(store, tenant) == [kept]
    assert statuses(store, tenant) == {"done": 1}


def test_a_failing_job_backs_off_then_dies_and_never_blocks_the_queue(
    platform: Platform, tenant: str
) -> None:
    store, kinds = platform.store, make_kinds()
    create_effects(store, tenant)
    with store.write(tenant) as conn:
        failing = kinds.enqueue(conn, "test.fail")
        behind = kinds.enqueue(conn, "test.effect")
    ran_at = datetime.now(UTC)
    first = run_batch(store, kinds, tenant, holder=HOLDER, now=ran_at)
    assert (first.claimed, first.done, first.failed) == (2, 1, 1)
    assert effects(store, tenant) == [behind]  # the job behind the failing one ran
    waits = []
    for attempt in (1, 2):
        with store.read(tenant) as conn:
            job = admin.get_job(conn, failing or 0)
        assert job["status"] == "queued" and job["attempts"] == attempt
        assert job["last_error"] == f"RuntimeError: boom on attempt {attempt}"
        run_at = datetime.fromisoformat(job["run_at"])
        waits.append((run_at - ran_at).total_seconds())
        # Not due yet: backed off (about 0.05 s, then 0.1 s, with jitter). The
        # runner is asked at explicit moments, so a busy machine cannot make
        # the backoff look over before it is.
        before = run_at - timedelta(milliseconds=1)
        assert run_batch(store, kinds, tenant, holder=HOLDER, now=before).claimed == 0
        ran_at = run_at + timedelta(milliseconds=1)
        assert run_batch(store, kinds, tenant, holder=HOLDER, now=ran_at).claimed == 1
    with store.read(tenant) as conn:
        job = admin.get_job(conn, failing or 0)
    assert job["status"] == "dead" and job["attempts"] == 3 and job["finished_at"]
    assert job["last_error"] == "RuntimeError: boom on attempt 3"
    assert 0 < waits[0] <= 0.05 + 0.01 and waits[1] > 0


def test_unknown_kinds_are_typed_errors_and_parked_as_dead(platform: Platform, tenant: str) -> None:
    store, kinds = platform.store, make_kinds()
    with pytest.raises(UnknownJobKind), store.write(tenant) as conn:
        kinds.enqueue(conn, "print.nothing")
    with store.write(tenant) as conn:
        job_id = enqueue(conn, "print.nothing")
    run_until_idle(store, kinds, tenant, holder=HOLDER)
    with store.read(tenant) as conn:
        job = admin.get_job(conn, job_id or 0)
    assert job["status"] == "dead" and "there is no job kind 'print.nothing'" in job["last_error"]


def test_dedupe_keys_and_delayed_jobs(platform: Platform, tenant: str) -> None:
    store, kinds = platform.store, make_kinds()
    create_effects(store, tenant)
    later = datetime.now(UTC) + timedelta(seconds=0.3)
    with store.write(tenant) as conn:
        first = kinds.enqueue(conn, "test.effect", dedupe_key="remind:lead:7", run_at=later)
        again = kinds.enqueue(conn, "test.effect", dedupe_key="remind:lead:7")
    assert first is not None and again is None
    assert run_until_idle(store, kinds, tenant, holder=HOLDER) == 0  # not due yet
    time.sleep(0.35)
    assert run_until_idle(store, kinds, tenant, holder=HOLDER) == 1
    with store.write(tenant) as conn:  # finished: the key is free again
        assert kinds.enqueue(conn, "test.effect", dedupe_key="remind:lead:7") is not None


def test_the_catalogue_knows_which_tenants_have_due_work(platform: Platform, tenant: str) -> None:
    store, kinds = platform.store, make_kinds()
    create_effects(store, tenant)
    due.attach(store)
    with store.write(tenant) as conn:
        kinds.enqueue(conn, "test.effect")
    assert tenant in due.due_now(store.catalog, datetime.now(UTC))
    worker = Worker(store, kinds)
    assert worker.visit(tenant) == 1
    assert tenant not in due.due_now(store.catalog, datetime.now(UTC))
    with store.catalog.connect() as conn:
        hint = conn.execute(select(due_tenants).where(due_tenants.c.tenant == tenant)).one()
    assert hint.due_at is None
    # A hint lost between the tenant's commit and the catalogue: the sweep finds the job.
    with store.tenant_engine(tenant).begin() as conn:
        enqueue(conn, "test.effect")
    assert tenant not in due.due_now(store.catalog, datetime.now(UTC))
    worker.sweep()
    assert tenant in due.due_now(store.catalog, datetime.now(UTC))
    assert worker.run_once() >= 1 and len(effects(store, tenant)) == 2


@pytest.fixture
def own_store(platform: Platform, tmp_path: Path) -> Iterator[Store]:
    """A store of the test's own, with one tenant ``solo``: a worker loop visits
    every tenant of its store and, on SQLite, takes the data directory's
    dispatcher lock, so it must not share them with the session's other tests."""
    prefix = f"fwo{secrets.token_hex(3)}_"
    url = platform.store.url if platform.store.dialect == "postgresql" else ""
    store = Store(str(url) if url else f"sqlite:///{tmp_path / 'formwork.db'}", tmp_path, prefix)
    store.migrate_catalog()
    store.create_tenant("solo", "Solo")
    yield store
    store.drop_tenant("solo")
    store.dispose()
    if url:
        drop_pg_schemas(prefix)


def test_the_worker_loop_runs_jobs_and_stops_when_told(own_store: Store) -> None:
    store, kinds, tenant = own_store, make_kinds(), "solo"
    create_effects(store, tenant)
    stop = threading.Event()
    worker = Worker(store, kinds, poll_seconds=0.05)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        with store.write(tenant) as conn:
            ids = [kinds.enqueue(conn, "test.effect") for _ in range(5)]
        deadline = time.monotonic() + 30  # generous: the suite shares 2 cores
        while len(effects(store, tenant)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert effects(store, tenant) == sorted(i for i in ids if i is not None)


def test_admin_retry_queues_a_dead_job_again(platform: Platform, tenant: str) -> None:
    store, kinds = platform.store, make_kinds()
    with store.write(tenant) as conn:
        job_id = enqueue(conn, "test.fail", max_attempts=1)
    run_until_idle(store, kinds, tenant, holder=HOLDER)
    with store.write(tenant) as conn:
        listed = admin.list_jobs(conn, status="dead")
        assert [j["id"] for j in listed.items] == [job_id]
        retried = admin.retry(conn, job_id or 0)
    assert retried["status"] == "queued" and retried["attempts"] == 0
    with store.read(tenant) as conn:
        assert conn.scalar(select(jobs.c.status).where(jobs.c.id == job_id)) == "queued"


def test_the_sweep_prunes_old_done_jobs_and_keeps_dead_ones(
    platform: Platform, tenant: str
) -> None:
    store, kinds = platform.store, make_kinds()
    create_effects(store, tenant)
    with store.write(tenant) as conn:
        kinds.enqueue(conn, "test.effect")
        enqueue(conn, "test.fail", max_attempts=1)
    run_until_idle(store, kinds, tenant, holder=HOLDER)
    assert statuses(store, tenant) == {"done": 1, "dead": 1}
    Worker(store, kinds, keep_done=timedelta(days=7)).sweep()
    assert statuses(store, tenant) == {"done": 1, "dead": 1}
    Worker(store, kinds, keep_done=timedelta(0)).sweep()
    assert statuses(store, tenant) == {"dead": 1}


def test_a_sweep_that_raced_an_enqueue_keeps_its_hint(own_store: Store) -> None:
    """The sweep reads the hint's version, then the tenant's tables (no job),
    then writes the hint; an enqueue committed in between must stay due."""
    store, kinds, tenant = own_store, make_kinds(), "solo"
    create_effects(store, tenant)
    due.attach(store)  # what a worker does: an enqueue's commit raises the hint
    seen = due.version(store.catalog, tenant)
    with store.read(tenant) as conn:
        found = due.next_due(conn)
    with store.write(tenant) as conn:
        kinds.enqueue(conn, "test.effect")
    due.set_hint(store.catalog, tenant, found, seen)
    assert tenant in due.due_now(store.catalog, datetime.now(UTC) + timedelta(seconds=1))


def test_a_sweep_repairs_a_lost_hint_even_when_the_version_moved(own_store: Store) -> None:
    store, kinds, tenant = own_store, make_kinds(), "solo"
    create_effects(store, tenant)
    due.attach(store)
    with store.write(tenant) as conn:
        kinds.enqueue(conn, "test.effect")
    # The hint is lost (a crash between the two commits)...
    due.lower_hint(store.catalog, tenant, None, due.version(store.catalog, tenant))
    assert tenant not in due.due_now(store.catalog, datetime.now(UTC) + timedelta(seconds=1))
    seen = due.version(store.catalog, tenant)
    with store.read(tenant) as conn:
        found = due.next_due(conn)
    # ...and something later is enqueued while the sweep runs (a schedule's next tick).
    due.raise_hint(store.catalog, tenant, datetime.now(UTC) + timedelta(hours=1))
    due.set_hint(store.catalog, tenant, found, seen)
    assert tenant in due.due_now(store.catalog, datetime.now(UTC) + timedelta(seconds=1))
