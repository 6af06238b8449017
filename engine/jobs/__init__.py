"""Jobs: the transactional outbox and the durable runner.

The contract, for engines that ask for work and for those that do it:

* ``enqueue(conn, kind, payload, run_at=, dedupe_key=)`` inside any write
  transaction of a tenant (``JobKinds.enqueue`` also checks the kind): the
  job commits or rolls back with the caller's write; ``enqueue_many`` queues
  a bulk write's jobs in one statement.
* ``JobKinds`` holds the job kinds by name and the periodic ``Schedule``s,
  registered in the start-up list, never at import time. A handler gets a
  ``JobContext`` (store, tenant, payload, attempt, and ``conn`` when the kind
  is transactional).
* ``Worker`` runs the loop (``formwork worker``; a thread of ``formwork
  serve``); ``run_batch``/``run_until_idle`` run one tenant's due jobs.
* ``due.attach(store)`` keeps the catalogue's index of tenants with due work.
* ``admin`` lists jobs and retries dead ones.

How it works: docs/architecture.md, "Jobs"; why: docs/decisions/0005-jobs-in-the-tenant-store.md.
"""

from engine.jobs import admin, due
from engine.jobs.errors import (
    DuplicateJobKind,
    JobError,
    JobNotFound,
    JobNotRetryable,
    UnknownJobKind,
)
from engine.jobs.kinds import Handler, JobContext, JobKind, JobKinds
from engine.jobs.outbox import enqueue, enqueue_many
from engine.jobs.runner import BatchOutcome, run_batch, run_until_idle
from engine.jobs.schedules import TENANT_ZONE, Schedule
from engine.jobs.worker import Worker, holder_name

__all__ = [
    "TENANT_ZONE",
    "BatchOutcome",
    "DuplicateJobKind",
    "Handler",
    "JobContext",
    "JobError",
    "JobKind",
    "JobKinds",
    "JobNotFound",
    "JobNotRetryable",
    "Schedule",
    "UnknownJobKind",
    "Worker",
    "admin",
    "due",
    "enqueue",
    "enqueue_many",
    "holder_name",
    "run_batch",
    "run_until_idle",
]
