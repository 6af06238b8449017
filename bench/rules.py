"""The rule engine under load: a bulk create with rules, and 10,000 reminders coming due.

Run: ``.venv/bin/python bench/rules.py [--backend sqlite|postgresql|all]
[--leads 10000] [--reminders 10000] [--rounds 2]``.

Through the records service in-process (``engine.forms.create_records`` with
the platform's hooks, as the API's bulk endpoint calls it, minus HTTP), on a
throwaway tenant (a temporary data directory; on PostgreSQL schemas with a
prefix of its own, dropped at the end even on error):

* **bulk**: ``--leads`` leads created in one call (one transaction, one
  event) into an app whose rules assign each lead by area to that area's
  team, round-robin, and queue a welcome email; and the same into a copy of
  the app without rules, in the same run, alternating, best of
  ``--rounds``. Records/s of each and the ratio with/without (target ≥ 0.5,
  and ≥ 5,000 records/s with rules on SQLite).
* **reminders**: ``--reminders`` records whose date rule (notify the owner)
  comes due at the same minute; one worker's tick (``rules.timers``' work)
  from the due time to the last notification written, and the plan of the
  due-timers query (``EXPLAIN``), which must read ``ix_rule_timers_due``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _server import PG_URL, drop_pg_schemas, postgres_problem
from sqlalchemy import Connection, func, select

from builder.apps import install_app
from builder.validate import load_definition
from engine.accounts.users import create_department, create_user
from engine.forms import WriteContext, create_records
from engine.platform import Platform
from engine.rules.clock import tick_timers
from engine.rules.timers import due_plan
from engine.store.tables import notifications, rule_timers

TENANT = "bench"
AREAS = ("east", "west", "north")
TEAM_SIZE = 5
CRM = Path(__file__).resolve().parents[1] / "templates" / "crm" / "app.json"
#: The CRM's own rules the bulk measures: assignment by area and the welcome email.
BULK_RULES = ("lead_assign_by_area", "lead_welcome_email")
#: Areas of the bulk's leads, one per team of the CRM's assignment table.
CRM_AREAS = ("east", "south", "north")


def crm_app(key: str, rules: bool) -> dict[str, Any]:
    """The CRM template under another key, with only ``BULK_RULES`` (or no rule)."""
    definition = json.loads(CRM.read_text(encoding="utf-8"))
    definition["key"] = key
    definition["rules"] = [r for r in definition["rules"] if rules and r["key"] in BULK_RULES]
    return definition


def crm_teams() -> list[str]:
    """The department names the CRM's assignment table routes to."""
    definition = json.loads(CRM.read_text(encoding="utf-8"))
    rule = next(r for r in definition["rules"] if r["key"] == "lead_assign_by_area")
    return [name for row in rule["effects"][0]["table"] for name in row["to"]["departments"]]


def lead_app(key: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": key,
        "version": "1.0.0",
        "entities": [
            {
                "key": "lead",
                "title_field": "company",
                "fields": [
                    {"key": "company", "type": "text", "required": True},
                    {"key": "area", "type": "select", "options": [{"value": a} for a in AREAS]},
                    {"key": "email", "type": "email"},
                    {"key": "owner", "type": "user"},
                    {"key": "due_at", "type": "datetime"},
                ],
            }
        ],
        "roles": [{"key": "rep", "permissions": {"lead": {"read": "own"}}}],
        "rules": rules,
    }


REMINDER = {
    "key": "remind",
    "entity": "lead",
    "trigger": {"on": "date", "field": "due_at", "offset": "0m"},
    "effects": [
        {"type": "notify", "to": {"fields": ["owner"]}, "title": "=CONCAT('Due: ', company)"}
    ],
}


def setup(platform: Platform, reps_per_team: int) -> dict[str, int]:
    """The two CRM copies, the reminders app, and the CRM's three teams of reps.

    Each team has enough reps that the pool's cap of open leads per rep
    (``max_open_per_user``) never sends a bulk lead to the pool: every lead
    of the bulk is assigned, the costly path.
    """
    people: dict[str, int] = {}
    with platform.store.write(TENANT) as conn:
        for definition in (
            crm_app("with_rules", rules=True),
            crm_app("without_rules", rules=False),
            lead_app("reminders", [REMINDER]),
        ):
            install_app(conn, load_definition(definition))
        for t, team in enumerate(crm_teams()):
            department = create_department(conn, team)
            for i in range(reps_per_team):
                name = f"rep{t}_{i}"
                user = create_user(
                    conn,
                    platform.passwords,
                    name,
                    "pw",
                    name,
                    department_id=department,
                    email=f"{name}@example.com",
                )
                people[name] = user.id
    return people


def leads(n: int, offset: int) -> list[dict[str, Any]]:
    return [
        {
            "company": f"Lead {offset + i} 有限公司",
            "contact_name": f"联系人 {offset + i}",
            "source": "website",
            "area": CRM_AREAS[i % len(CRM_AREAS)],
            "email": f"lead{offset + i}@example.com",
        }
        for i in range(n)
    ]


def create(platform: Platform, app: str, rows: list[dict[str, Any]], now: datetime) -> float:
    with platform.store.write(TENANT) as conn:
        runtime = platform.runtime(conn, TENANT, app)
        ctx = WriteContext(conn, runtime, "lead", None, now, hooks=platform.hooks)
        started = time.perf_counter()
        create_records(ctx, runtime.entities["lead"], rows)
    return time.perf_counter() - started


def bulk(platform: Platform, n: int, rounds: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    on: list[float] = []
    off: list[float] = []
    for r in range(rounds):
        off.append(create(platform, "without_rules", leads(n, 2 * r * n), now))
        on.append(create(platform, "with_rules", leads(n, (2 * r + 1) * n), now))
    with platform.store.read(TENANT) as conn:
        table = platform.runtime(conn, TENANT, "with_rules").entities["lead"].table
        unassigned = conn.scalar(select(func.count()).where(table.c.owner.is_(None)))
    assert unassigned == 0, f"{unassigned} leads were not assigned"
    best_on, best_off = n / min(on), n / min(off)
    return {
        "records": n,
        "with_rules_per_s": round(best_on),
        "without_rules_per_s": round(best_off),
        "ratio": round(best_on / best_off, 2),
    }


def reminders(platform: Platform, people: dict[str, int], n: int) -> dict[str, Any]:
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=5)
    owners = list(people.values())
    rows = [
        {"company": f"R{i}", "owner": owners[i % len(owners)], "due_at": due.isoformat()}
        for i in range(n)
    ]
    create(platform, "reminders", rows, datetime.now(UTC))

    @contextmanager
    def write() -> Iterator[Connection]:
        with platform.store.write(TENANT) as conn:
            yield conn

    def runtime_of(conn: Connection, key: str) -> Any:
        return platform.runtime(conn, TENANT, key)

    # The version's backfill runs at the first tick: done before the due time.
    tick_timers(write, runtime_of, due - timedelta(minutes=1), platform.hooks)
    with platform.store.write(TENANT) as conn:
        # A minute's tick while the timers lie ahead, with fresh statistics (as
        # autovacuum keeps them): the query must read the index, not the table.
        conn.exec_driver_sql("ANALYZE rule_timers")
        plan = due_plan(conn, due - timedelta(minutes=1))
        timers = conn.scalar(select(func.count()).select_from(rule_timers))
    started = time.perf_counter()
    result = tick_timers(write, runtime_of, due, platform.hooks)
    elapsed = time.perf_counter() - started
    with platform.store.read(TENANT) as conn:
        sent = conn.scalar(select(func.count()).select_from(notifications))
    assert result["fired"] == n and sent == n, (result, sent)
    return {
        "reminders": n,
        "timers": timers,
        "due_to_delivered_s": round(elapsed, 2),
        "per_s": round(n / elapsed),
        "uses_index": "ix_rule_timers_due" in plan,
        "plan": plan,
    }


def measure(backend: str, n_leads: int, n_reminders: int, rounds: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="fw-bench-rules-"))
    prefix = f"fwbr{secrets.token_hex(3)}_"
    url = PG_URL if backend == "postgresql" else f"sqlite:///{data_dir / 'formwork.db'}"
    platform = Platform(
        database_url=url,
        data_dir=data_dir,
        secret_key=secrets.token_urlsafe(32),
        pg_schema_prefix=prefix,
        password_profile="fast",
    )
    try:
        platform.store.migrate_catalog()
        platform.store.create_tenant(TENANT, TENANT)
        # The pool lets a rep own 50 open leads: enough reps for every lead of the bulk.
        reps = max(TEAM_SIZE, -(-n_leads * rounds // (len(CRM_AREAS) * 50)) + 1)
        people = setup(platform, reps)
        return {
            "backend": backend,
            "bulk": bulk(platform, n_leads, rounds),
            "reminders": reminders(platform, people, n_reminders),
        }
    finally:
        platform.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        if backend == "postgresql":
            drop_pg_schemas(prefix)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    backends = ["sqlite", "postgresql"] if options.backend == "all" else [options.backend]
    print(
        f"{'backend':<11} {'leads':>7} {'rules/s':>9} {'no rules/s':>11} {'ratio':>6} "
        f"{'reminders':>10} {'due→sent s':>11} {'sent/s':>8} {'index':>6}"
    )
    for backend in backends:
        if backend == "postgresql" and (problem := postgres_problem()):
            print(f"postgresql skipped: {problem}")
            continue
        r = measure(backend, options.leads, options.reminders, options.rounds)
        b, m = r["bulk"], r["reminders"]
        print(
            f"{backend:<11} {b['records']:>7,} {b['with_rules_per_s']:>9,} "
            f"{b['without_rules_per_s']:>11,} {b['ratio']:>6} {m['reminders']:>10,} "
            f"{m['due_to_delivered_s']:>11} {m['per_s']:>8,} {m['uses_index']!s:>6}"
        )
        print("  due-timers plan: " + m["plan"].replace("\n", " | "))
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
