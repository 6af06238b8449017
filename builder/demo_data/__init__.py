"""Demo data of the bundled templates: generated from a seed, written through
the records engine.

``load_demo_data`` sets up the template's demo organisation (departments,
people, roles) and writes its records in the caller's transaction, so a
failure leaves nothing behind. A generator per template (``crm/``) builds
the records as a ``DemoPlan`` (``plan.py``): plain data, the same for the
same seed on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from builder.demo_data.crm import DEFAULT_SEED, crm_demo
from builder.demo_data.people import set_up_organisation
from builder.demo_data.plan import DemoSet, write_plan
from engine.accounts.passwords import Passwords
from engine.forms import AppRuntime, Hooks
from engine.store.tables import users

#: Templates with demo data, by app key: (seed, scale, today) → the data.
GENERATORS: dict[str, Callable[[int, float, date | None], DemoSet]] = {"crm": crm_demo}


class DemoDataError(Exception):
    """The demo data cannot go into this app; the message says why."""


@dataclass(frozen=True)
class DemoLoaded:
    counts: dict[str, int]
    #: How many users of the demo organisation the tenant has now.
    users: int


def load_demo_data(
    conn: Connection,
    runtime: AppRuntime,
    passwords: Passwords,
    *,
    hooks: Hooks,
    password: str,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    today: date | None = None,
) -> DemoLoaded:
    """Write the demo data of the installed app ``runtime`` in the caller's transaction.

    Refused (``DemoDataError``) for an app without demo data and for an app
    that already has records, so running it twice never doubles the data.
    Demo users that do not exist yet get ``password``. ``hooks`` are the
    platform's (``write_plan`` says what its subscribers see).
    """
    generate = GENERATORS.get(runtime.key)
    if generate is None:
        raise DemoDataError(f"there is no demo data for app {runtime.key!r}")
    demo = generate(seed, scale, today)
    missing = [key for key in demo.plan.order if key not in runtime.entities]
    if missing:
        raise DemoDataError(f"app {runtime.key!r} has no entity {', '.join(missing)}")
    for key in demo.plan.order:
        table = runtime.entities[key].table
        if conn.scalar(select(func.count()).select_from(table)):
            raise DemoDataError(
                f"app {runtime.key!r} already has {key} records: demo data goes into an empty app"
            )
    ids = set_up_organisation(conn, passwords, demo.organisation, runtime.key, password)
    # The records read as imported by the tenant's administrator, when there is one.
    admin = conn.scalar(select(users.c.id).where(users.c.username == "admin"))
    counts = write_plan(conn, runtime, demo.plan, ids, admin, hooks)
    return DemoLoaded(counts, len(ids.users))


__all__ = ["DEFAULT_SEED", "GENERATORS", "DemoDataError", "DemoLoaded", "DemoSet", "load_demo_data"]
