"""Typed errors of the job runner."""

from __future__ import annotations


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


class JobNotFound(JobError, LookupError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"there is no job {job_id}")
        self.job_id = job_id


class JobNotRetryable(JobError):
    """Only a dead job can be retried (a queued or running one will run anyway)."""

    def __init__(self, job_id: int, status: str, reason: str | None = None) -> None:
        super().__init__(reason or f"job {job_id} is {status}: only a dead job can be retried")
        self.job_id = job_id
        self.status = status
