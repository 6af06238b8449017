"""The job worker as the API's processes run it: built from the settings.

``formwork worker`` runs it in the foreground; ``formwork serve`` in a
thread of its own (unless ``FORMWORK_WORKER=0``), so ``make run`` needs no
cron. The loop itself is ``engine.jobs.Worker``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from api.platform import Platform
from engine.jobs import Worker


def build_worker(platform: Platform) -> Worker:
    settings = platform.settings
    return Worker(
        platform.store,
        platform.jobs,
        batch_size=settings.job_batch_size,
        lease=timedelta(seconds=settings.job_lease_seconds),
        poll_seconds=settings.job_poll_seconds,
        sweep_seconds=settings.job_sweep_seconds,
    )


@dataclass
class BackgroundWorker:
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to stop after the batch in hand, and wait for it."""
        self.stop_event.set()
        self.thread.join(timeout)


def start_in_thread(platform: Platform) -> BackgroundWorker:
    stop = threading.Event()
    worker = build_worker(platform)
    thread = threading.Thread(target=worker.run, args=(stop,), name="formwork-jobs", daemon=True)
    thread.start()
    return BackgroundWorker(thread, stop)
