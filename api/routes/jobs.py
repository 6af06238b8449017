"""The tenant's jobs, for administrators: list them, see failures, retry dead ones."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AdminPrincipal, PlatformDep
from engine.jobs import admin as jobs_admin

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

JobStatus = Literal["queued", "running", "done", "dead"]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
def list_jobs(
    principal: AdminPrincipal,
    platform: PlatformDep,
    status: JobStatus | None = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Jobs newest first; ``status=dead`` lists the failures with their last error."""
    with platform.store.read(principal.tenant) as conn:
        found = jobs_admin.list_jobs(conn, status=status, kind=kind, page=page, page_size=page_size)
    return {"items": found.items, "page": page, "page_size": page_size, "has_more": found.has_more}


@router.post("/{job_id}/retry")
def retry_job(job_id: JobId, principal: AdminPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """Queue a dead job again with fresh attempts (409 unless it is dead)."""
    with platform.store.write(principal.tenant) as conn:
        return jobs_admin.retry(conn, job_id)
