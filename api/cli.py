"""The ``formwork`` command line."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from api.app import create_app
from api.demo import CRM_APP, DEMO_PASSWORD, DEMO_TENANT, DEMO_USERS, set_up_demo
from api.job_worker import build_worker, start_in_thread
from api.middleware.access_log import log_to_stdout
from api.platform import Platform
from api.settings import REPO, Settings
from api.template_cli import register as register_template_commands
from builder.apps import AppAlreadyInstalled, install_app
from builder.demo_data import DEFAULT_SEED, DemoDataError, load_demo_data
from builder.validate import DefinitionError, load_definition_file
from engine.accounts.users import create_user
from engine.actions.jobs import POOL_RETURN
from engine.jobs import admin as job_admin
from engine.jobs import holder_name, run_until_idle
from engine.store import TenantNotFound
from engine.tenancy import set_tenant_timezone, tenant_timezone

#: Bundled templates: ``templates/<name>/app.json``.
TEMPLATES = REPO / "templates"

app = typer.Typer(help="Formwork: a metadata-driven no-code app builder.", no_args_is_help=True)
tenant_cli = typer.Typer(help="Tenants.", no_args_is_help=True)
user_cli = typer.Typer(help="Users of a tenant.", no_args_is_help=True)
app_cli = typer.Typer(help="Apps of a tenant.", no_args_is_help=True)
app.add_typer(tenant_cli, name="tenant")
app.add_typer(user_cli, name="user")
app.add_typer(app_cli, name="app")


def _platform() -> Platform:
    return Platform(Settings.from_env())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: FORMWORK_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: FORMWORK_PORT or 8000")] = None,
) -> None:
    """Serve the API and the web front end."""
    settings = Settings.from_env()
    log_to_stdout()
    # JOBS: an in-process job worker, unless FORMWORK_WORKER=0 (separate workers run).
    background = start_in_thread(Platform(settings)) if settings.worker else None
    try:
        uvicorn.run(
            create_app(settings),
            host=host or settings.host,
            port=port or settings.port,
            log_level="info",
            access_log=False,
        )
    finally:
        if background is not None:
            background.stop()


@app.command()
def worker() -> None:
    """Run every tenant's due jobs and schedules until SIGTERM or Ctrl-C."""
    platform = _platform()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo("job worker running; SIGTERM or Ctrl-C stops it after the batch in hand")
    try:
        build_worker(platform).run(stop)
    finally:
        platform.close()


@app.command()
def migrate() -> None:
    """Bring the catalogue and every tenant's tables to the newest migration."""
    platform = _platform()
    platform.store.migrate_all()
    typer.echo(f"migrated catalogue and {len(platform.store.tenant_keys())} tenant(s)")


@app.command()
def demo(
    crm: Annotated[
        bool, typer.Option(help="also install the CRM template with its demo data")
    ] = True,
    crm_scale: Annotated[
        float, typer.Option(help="size of the CRM demo data: 1 is the full set")
    ] = 1.0,
) -> None:
    """Set up the demo tenant (idempotent) and print how to log in."""
    platform = _platform()
    for line in set_up_demo(platform, crm_file=CRM_APP if crm else None, crm_scale=crm_scale):
        typer.echo(line)
    names = ", ".join(u.username for u in DEMO_USERS)
    if crm:
        names += " and the CRM's people (rep1…rep16, manager1…manager3, finance2, ops1)"
    typer.echo(
        f"demo mode: tenant {DEMO_TENANT!r}, users {names}, password {DEMO_PASSWORD!r} "
        "(for trying Formwork out only)"
    )


@tenant_cli.command("create")
def tenant_create(
    key: str,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    admin_password: Annotated[
        str | None, typer.Option(help="also create user 'admin' with this password")
    ] = None,
) -> None:
    """Create a tenant with its own database (SQLite) or schema (PostgreSQL)."""
    platform = _platform()
    platform.store.migrate_catalog()
    try:
        platform.store.create_tenant(key, name or key)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    if admin_password:
        with platform.store.write(key) as conn:
            create_user(conn, platform.passwords, "admin", admin_password, "Admin", is_admin=True)
    typer.echo(f"tenant {key!r} created")


@tenant_cli.command("timezone")
def tenant_timezone_command(
    key: str,
    zone: Annotated[
        str | None, typer.Argument(help="an IANA zone like Europe/Berlin; omit to show it")
    ] = None,
) -> None:
    """Show or set the tenant's time zone: what "today" is for all its apps."""
    platform = _platform()
    try:
        if zone is None:
            with platform.store.read(key) as conn:
                typer.echo(tenant_timezone(conn).key)
            return
        with platform.store.write(key) as conn:
            chosen = set_tenant_timezone(conn, zone)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    except TenantNotFound as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    finally:
        platform.close()
    typer.echo(f"tenant {key!r} now lives in {chosen.key}")


@user_cli.command("create")
def user_create(
    username: str,
    tenant: Annotated[str, typer.Option(help="tenant key")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    display_name: Annotated[str | None, typer.Option()] = None,
    admin: Annotated[bool, typer.Option(help="tenant administrator")] = False,
) -> None:
    """Create a user in a tenant."""
    platform = _platform()
    with platform.store.write(tenant) as conn:
        user = create_user(
            conn, platform.passwords, username, password, display_name, is_admin=admin
        )
    typer.echo(f"user {user.username!r} created with id {user.id}")


def definition_source(source: str) -> Path:
    """A definition file, or the name of a bundled template (``crm`` →
    ``templates/crm/app.json``); an existing file of that name wins."""
    path = Path(source)
    if path.is_file():
        return path
    bundled = TEMPLATES / source / "app.json"
    if re.fullmatch(r"[a-z][a-z0-9_]{0,39}", source) and bundled.is_file():
        return bundled
    names = ", ".join(sorted(p.parent.name for p in TEMPLATES.glob("*/app.json")))
    raise typer.BadParameter(
        f"{source!r} is neither a file nor a bundled template (bundled: {names})"
    )


@app_cli.command("install")
def app_install(
    source: Annotated[
        str, typer.Argument(help="a definition file, or a bundled template's name: crm")
    ],
    tenant: Annotated[str, typer.Option(help="tenant key")],
    demo_data: Annotated[
        bool,
        typer.Option(
            "--demo-data", help="also load the template's demo data: its people and records"
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="seed of the demo data")] = DEFAULT_SEED,
    scale: Annotated[
        float, typer.Option(help="size of the demo data: 1 is the full set, 0.05 a twentieth")
    ] = 1.0,
    demo_password: Annotated[
        str, typer.Option(help="password of the demo users it creates (demo mode only)")
    ] = DEMO_PASSWORD,
) -> None:
    """Validate an app definition and install it; nothing is installed if it is invalid.

    With ``--demo-data`` the install and the demo data are one transaction:
    if the data cannot be loaded, the app is not installed either.
    """
    started = time.perf_counter()
    platform = _platform()
    try:
        definition = load_definition_file(definition_source(source))
    except DefinitionError as err:
        for issue in err.issues:
            typer.echo(f"{issue.path}: {issue.message}", err=True)
        raise typer.Exit(1) from None
    result: dict[str, Any] = {"app": definition.key, "version": definition.version}
    try:
        with platform.store.write(tenant) as conn:
            result["id"] = install_app(conn, definition)
            if demo_data:
                runtime = platform.runtime(conn, tenant, definition.key)
                loaded = load_demo_data(
                    conn,
                    runtime,
                    platform.passwords,
                    hooks=platform.hooks,
                    password=demo_password,
                    seed=seed,
                    scale=scale,
                )
                result["demo_data"] = {"users": loaded.users, "records": loaded.counts}
    except (DemoDataError, AppAlreadyInstalled) as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    result["seconds"] = round(time.perf_counter() - started, 1)
    typer.echo(json.dumps(result, ensure_ascii=False))


# -- jobs: what a scheduler (cron) runs -------------------------------------------------------
jobs_cli = typer.Typer(help="Time-based jobs; run them from cron.", no_args_is_help=True)
app.add_typer(jobs_cli, name="jobs")


def _moment(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@jobs_cli.command("run")
def jobs_run(
    tenant: Annotated[str, typer.Option(help="tenant key")],
    now: Annotated[
        str | None, typer.Option(help="run as of this ISO 8601 time (default: now; UTC if naive)")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="records per batch")] = 500,
) -> None:
    """Return the records of a pool nobody followed up, now, then run the tenant's due jobs.

    Enqueues one ``actions.pool_return`` job and runs the tenant's queue
    until it is empty (the worker of ``formwork serve`` or ``formwork worker``
    also does so every 10 minutes by itself). Idempotent.
    """
    platform = _platform()
    moment = _moment(now)
    payload = {"now": moment.isoformat(), "batch_size": batch_size}
    try:
        with platform.store.write(tenant) as conn:
            job_id = platform.jobs.enqueue(conn, POOL_RETURN, payload)
        run_until_idle(platform.store, platform.jobs, tenant, holder=holder_name())
        with platform.store.read(tenant) as conn:
            job = job_admin.get_job(conn, job_id or 0)
    except TenantNotFound as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    finally:
        platform.close()
    if job["status"] != "done":
        typer.echo(f"job {job_id} is {job['status']}: {job['last_error']}", err=True)
        raise typer.Exit(1)
    # PostgreSQL's JSONB keeps no key order: print each pool's keys in their usual order.
    order = ("app", "pool", "returned", "failed")
    pools = [{key: run[key] for key in order} for run in job["result"]["pools"]]
    report = {"tenant": tenant, "now": moment.isoformat(), "pools": pools}
    typer.echo(json.dumps(report, ensure_ascii=False))


# -- templates over their life: clone, upgrade, export, import (api/template_cli.py) ------------
register_template_commands(app_cli, _platform, TEMPLATES, definition_source)

if __name__ == "__main__":
    app()
