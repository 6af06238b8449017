"""The ``formwork`` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.demo import DEMO_PASSWORD, DEMO_TENANT, DEMO_USERS, set_up_demo
from api.platform import Platform
from api.settings import Settings
from builder.apps import install_app
from builder.validate import DefinitionError, load_definition_file
from engine.accounts.users import create_user

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
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        access_log=False,
    )


@app.command()
def migrate() -> None:
    """Bring the catalogue and every tenant's tables to the newest migration."""
    platform = _platform()
    platform.store.migrate_all()
    typer.echo(f"migrated catalogue and {len(platform.store.tenant_keys())} tenant(s)")


@app.command()
def demo() -> None:
    """Set up the demo tenant (idempotent) and print how to log in."""
    platform = _platform()
    for line in set_up_demo(platform):
        typer.echo(line)
    names = ", ".join(u.username for u in DEMO_USERS)
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


@app_cli.command("install")
def app_install(
    file: Path,
    tenant: Annotated[str, typer.Option(help="tenant key")],
) -> None:
    """Validate an app definition and install it; nothing is installed if it is invalid."""
    platform = _platform()
    try:
        definition = load_definition_file(file)
    except DefinitionError as err:
        for issue in err.issues:
            typer.echo(f"{issue.path}: {issue.message}", err=True)
        raise typer.Exit(1) from None
    with platform.store.write(tenant) as conn:
        version_id = install_app(conn, definition)
    typer.echo(json.dumps({"app": definition.key, "version": definition.version, "id": version_id}))


if __name__ == "__main__":
    app()
