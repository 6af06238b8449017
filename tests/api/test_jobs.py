"""The jobs admin API: list jobs and failures, retry dead ones; problem+json errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from api.platform import Platform
from engine.jobs import enqueue, run_until_idle
from engine.store.tables import jobs
from tests.conftest import login


def test_admins_list_jobs_and_retry_dead_ones(
    client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]
) -> None:
    with platform.store.write(tenant) as conn:
        dead = enqueue(conn, "nobody.knows", {"a": 1})
        queued = enqueue(conn, "nobody.knows", dedupe_key="later")
    with platform.store.write(tenant) as conn:
        # Postpone the second so that only the first is run (and dies).
        later = datetime.now(UTC) + timedelta(days=1)
        conn.execute(update(jobs).where(jobs.c.id == queued).values(run_at=later))
    run_until_idle(platform.store, platform.jobs, tenant, holder="api-test")

    listed = client.get("/api/jobs", headers=auth)
    assert listed.status_code == 200, listed.text
    assert [j["id"] for j in listed.json()["items"]] == [queued, dead]
    failures = client.get("/api/jobs", params={"status": "dead"}, headers=auth).json()
    (failure,) = failures["items"]
    assert failure["id"] == dead and failure["payload"] == {"a": 1}
    assert "there is no job kind 'nobody.knows'" in failure["last_error"]
    assert client.get("/api/jobs", params={"kind": "other"}, headers=auth).json()["items"] == []

    retried = client.post(f"/api/jobs/{dead}/retry", headers=auth)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    again = client.post(f"/api/jobs/{dead}/retry", headers=auth)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "only a dead job can be retried" in again.json()["detail"]
    missing = client.post("/api/jobs/999999/retry", headers=auth)
    assert missing.status_code == 404 and missing.json()["detail"] == "there is no job 999999"
    chinese = {**auth, "Accept-Language": "zh-CN"}
    missing = client.post("/api/jobs/999999/retry", headers=chinese)
    assert missing.json()["detail"] == "任务 999999 不存在"
    again = client.post(f"/api/jobs/{queued}/retry", headers=chinese)
    assert (
        again.json()["detail"] == f"任务 {queued} 的状态为 queued：只有已失败（dead）的任务可以重试"
    )
    bad = client.get("/api/jobs", params={"status": "lost"}, headers=auth)
    assert bad.status_code == 422


def test_only_admins_see_jobs(client: TestClient, tenant: str) -> None:
    rep = login(client, tenant, "rep")
    assert client.get("/api/jobs", headers=rep).status_code == 403
    assert client.post("/api/jobs/1/retry", headers=rep).status_code == 403
    assert client.get("/api/jobs").status_code == 401
