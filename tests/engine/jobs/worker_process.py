"""A job worker in a process of its own, for the crash and two-worker tests.

``python -m tests.engine.jobs.worker_process '<json>'`` with database_url,
data_dir, prefix, tenant, mode ("loop": the Worker loop until SIGTERM, or
"drain": run the tenant's queue until nothing is due), lease, batch_size,
started_dir, slow_seconds.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path

from engine.jobs import Worker, holder_name, run_until_idle
from engine.store import Store
from tests.engine.jobs.kit import make_kinds


def main() -> None:
    args = json.loads(sys.argv[1])
    store = Store(args["database_url"], Path(args["data_dir"]), args["prefix"])
    started = Path(args["started_dir"]) if args.get("started_dir") else None
    kinds = make_kinds(started, float(args.get("slow_seconds", 0)))
    lease = timedelta(seconds=float(args.get("lease", 300)))
    batch = int(args.get("batch_size", 100))
    if args["mode"] == "drain":
        ran = run_until_idle(
            store, kinds, args["tenant"], holder=holder_name(), batch_size=batch, lease=lease
        )
        print(json.dumps({"ran": ran}))
    else:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        Worker(store, kinds, batch_size=batch, lease=lease, poll_seconds=0.1).run(stop)
    store.dispose()


if __name__ == "__main__":
    main()
