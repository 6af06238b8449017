"""Typed errors of the job runner."""

from __future__ import annotations

from engine.errors import DomainError
from engine.i18n import Message


class JobError(Exception):
    """Base of the job runner's errors."""


class UnknownJobKind(JobError, LookupError):
    """No job kind of this name is registered (a typo, or a start-up list without it)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"there is no job kind {name!r}")
        self.name = name


class DuplicateJobKind(JobError, ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"job kind {name!r} is registered twice")
        self.name = name


class JobNotFound(JobError, DomainError, LookupError):
    """No job of that id in this tenant (404)."""

    status = 404
    title = "Not found"

    def __init__(self, job_id: int) -> None:
        super().__init__(Message("request.no_job", id=job_id))
        self.job_id = job_id


class JobNotRetryable(JobError, DomainError):
    """Only a dead job can be retried (a queued or running one will run anyway) (409)."""

    status = 409
    title = "Conflict"

    def __init__(self, job_id: int, status: str, reason: str | None = None) -> None:
        super().__init__(reason or Message("request.job_not_retryable", id=job_id, status=status))
        self.job_id = job_id
        self.job_status = status  # ``status`` is the HTTP status of every DomainError
