"""``formwork app clone|upgrade|export|import|overlay|customise``: templates over their life.

Registered on the ``app`` command group by ``api.cli`` (``register``). Each
command is one transaction on the tenant's store; an upgrade prints its plan
first and changes nothing without ``--yes`` or a confirmation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from api.platform import Platform
from builder.apps import AppAlreadyInstalled, install_app
from builder.clone import clone_app, write_definition, write_template
from builder.operations import PlanRefused
from builder.overlay import OverlayError, Resolution, parse_overlay
from builder.package import PackageInvalid, export_package, import_package
from builder.sources import app_source, current_overlay
from builder.templates import TemplateError, template_version
from builder.upgrade import UpgradeConflicts, UpgradeRefused, customise, plan_upgrade, upgrade
from builder.validate import DefinitionError, load_definition_file
from engine.definition.versions import AppNotFound
from engine.store import TenantNotFound

#: Errors that end a command with their message and exit status 1.
FAILURES = (
    AppNotFound,
    AppAlreadyInstalled,
    TenantNotFound,
    UpgradeRefused,
    OverlayError,
    TemplateError,
    PackageInvalid,
    FileExistsError,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _definition_error(err: DefinitionError) -> typer.Exit:
    for issue in err.issues:
        typer.echo(f"{issue.path}: {issue.message}", err=True)
    return typer.Exit(1)


def _labels(items: list[str]) -> dict[str, str] | None:
    if not items:
        return None
    labels: dict[str, str] = {}
    for item in items:
        lang, sep, text = item.partition("=")
        if not sep or not text:
            raise typer.BadParameter(f"{item!r}: give a label as LANG=TEXT, e.g. en=Manufacturing")
        labels[lang] = text
    return labels


def _resolutions(keep: list[str], drop: list[str]) -> dict[str, Resolution]:
    both = set(keep) & set(drop)
    if both:
        raise typer.BadParameter(f"kept and dropped at once: {', '.join(sorted(both))}")
    return {**dict.fromkeys(keep, "keep"), **dict.fromkeys(drop, "drop")}


def register(
    app_cli: typer.Typer,
    platform: Callable[[], Platform],
    templates: Path,
    definition_source: Callable[[str], Path],
) -> None:
    """Add the template commands to ``formwork app``."""

    @app_cli.command("clone")
    def app_clone(
        source: Annotated[str, typer.Argument(help="a bundled template's name, or a file")],
        new_key: Annotated[str, typer.Option("--as", help="the key of the clone")],
        out: Annotated[
            Path | None, typer.Option(help="write the clone's definition to this file")
        ] = None,
        tenant: Annotated[str | None, typer.Option(help="also install it into this tenant")] = None,
        label: Annotated[
            list[str], typer.Option(help="the clone's label, LANG=TEXT (repeatable)")
        ] = [],  # noqa: B006 - typer reads the default, never mutates it
        version: Annotated[str | None, typer.Option(help="start its versions here")] = None,
    ) -> None:
        """Clone a template as the start of a variant (crm → crm_manufacturing).

        Writes templates/<new key>/ (app.json with the print and asset folders)
        unless --out or --tenant say otherwise.
        """
        path = definition_source(source)
        try:
            clone = clone_app(load_definition_file(path), new_key, _labels(label), version)
        except DefinitionError as err:
            raise _definition_error(err) from None
        result: dict[str, object] = {"app": clone.key, "version": clone.version}
        try:
            if out is not None:
                if out.exists():
                    raise FileExistsError(f"{out} exists already")
                write_definition(clone, out)
                result["written"] = str(out)
            elif tenant is None:
                bundled = path.parent if path.name == "app.json" else None
                result["written"] = str(write_template(clone, templates / new_key, bundled))
            if tenant is not None:
                with platform().store.write(tenant) as conn:
                    result["installed"] = {"tenant": tenant, "id": install_app(conn, clone)}
        except FAILURES as err:
            raise _fail(str(err)) from None
        typer.echo(json.dumps(result, ensure_ascii=False))

    @app_cli.command("upgrade")
    def app_upgrade(
        app_key: Annotated[str, typer.Argument(metavar="APP", help="the installed app")],
        tenant: Annotated[str, typer.Option(help="tenant key")],
        to: Annotated[str, typer.Option(help="the template version to upgrade to")],
        source: Annotated[
            Path | None,
            typer.Option(
                "--from",
                help="the new version: a full definition or a change set on the app's "
                "template version (default: the bundled templates/<template>/app.json)",
            ),
        ] = None,
        yes: Annotated[bool, typer.Option("--yes", help="apply without asking")] = False,
        keep: Annotated[
            list[str], typer.Option(help="resolve a conflict with the tenant's version (ref)")
        ] = [],  # noqa: B006
        drop: Annotated[
            list[str], typer.Option(help="resolve a conflict by dropping the customisation")
        ] = [],  # noqa: B006
        discard_draft: Annotated[
            bool, typer.Option("--discard-draft", help="throw away an unpublished draft")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
    ) -> None:
        """Upgrade an app to a new template version, keeping the tenant's customisations.

        Prints the plan (template changes, customisations re-applied, conflicts,
        schema operations) first; applies only with --yes or a confirmation.
        """
        resolutions = _resolutions(keep, drop)
        # One platform: its hooks and its store go together (a rule's failure
        # log is written by the store its engine registered with).
        built = platform()
        hooks, store = built.hooks, built.store
        try:
            with store.read(tenant) as conn:
                app_base = app_source(conn, app_key).template
            given = None if source is None else source.read_text(encoding="utf-8")
            template = template_version(templates, app_base, to, given, str(source))
            with store.read(tenant) as conn:
                report = plan_upgrade(conn, app_key, template, resolutions)
        except DefinitionError as err:
            raise _definition_error(err) from None
        except (OSError, *FAILURES) as err:
            raise _fail(str(err)) from None
        if as_json:
            typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            for line in report.lines():
                typer.echo(line)
        if not report.ready:
            raise _fail("the upgrade cannot be applied as it is; nothing was changed")
        if not yes:
            typer.confirm("Apply this upgrade?", abort=True)
        try:
            with store.write(tenant) as conn:
                done = upgrade(
                    conn, app_key, template, None, resolutions, discard_draft, hooks=hooks
                )
        except UpgradeConflicts as err:
            raise _fail(str(err)) from None
        except PlanRefused as err:
            for problem in err.problems:
                typer.echo(f"{problem.path}: {problem.message}", err=True)
            raise _fail("the data does not allow the migration; nothing was changed") from None
        except FAILURES as err:
            raise _fail(str(err)) from None
        typer.echo(json.dumps(done.to_json(), ensure_ascii=False))

    @app_cli.command("export")
    def app_export(
        app_key: Annotated[str, typer.Argument(metavar="APP", help="the installed app")],
        tenant: Annotated[str, typer.Option(help="tenant key")],
        out: Annotated[Path, typer.Option(help="the package file to write (.fwpkg)")],
    ) -> None:
        """Export an app as one package: definition, template version, overlay, files."""
        try:
            with platform().store.read(tenant) as conn:
                data = export_package(conn, app_key, templates)
        except FAILURES as err:
            raise _fail(str(err)) from None
        out.write_bytes(data)
        typer.echo(json.dumps({"app": app_key, "written": str(out), "bytes": len(data)}))

    @app_cli.command("import")
    def app_import(
        package: Annotated[Path, typer.Argument(help="a package file (.fwpkg)")],
        tenant: Annotated[str, typer.Option(help="tenant key")],
    ) -> None:
        """Install the app a package carries (checked first; all or nothing)."""
        try:
            data = package.read_bytes()
            with platform().store.write(tenant) as conn:
                imported = import_package(conn, data)
        except DefinitionError as err:
            raise _definition_error(err) from None
        except (OSError, *FAILURES) as err:
            raise _fail(str(err)) from None
        typer.echo(json.dumps(imported.to_json(), ensure_ascii=False))

    @app_cli.command("overlay")
    def app_overlay(
        app_key: Annotated[str, typer.Argument(metavar="APP", help="the installed app")],
        tenant: Annotated[str, typer.Option(help="tenant key")],
    ) -> None:
        """Print the tenant's customisations of the app as an overlay (JSON)."""
        try:
            with platform().store.read(tenant) as conn:
                _, _, overlay = current_overlay(conn, app_key)
        except FAILURES as err:
            raise _fail(str(err)) from None
        typer.echo(json.dumps(overlay.to_json(), ensure_ascii=False, indent=2))

    @app_cli.command("customise")
    def app_customise(
        app_key: Annotated[str, typer.Argument(metavar="APP", help="the installed app")],
        tenant: Annotated[str, typer.Option(help="tenant key")],
        overlay_file: Annotated[
            Path, typer.Option("--overlay", help="the overlay (JSON) the app should have")
        ],
    ) -> None:
        """Make an overlay the app's customisations and publish the result."""
        try:
            overlay = parse_overlay(json.loads(overlay_file.read_text(encoding="utf-8")))
            built = platform()
            with built.store.write(tenant) as conn:
                published = customise(conn, app_key, overlay, None, hooks=built.hooks)
        except (ValidationError, json.JSONDecodeError) as err:
            raise _fail(f"{overlay_file}: not an overlay: {err}") from None
        except PlanRefused as err:
            for problem in err.problems:
                typer.echo(f"{problem.path}: {problem.message}", err=True)
            raise _fail("the data does not allow it; nothing was changed") from None
        except (OSError, *FAILURES) as err:
            raise _fail(str(err)) from None
        result = published.to_json() if published else {"key": app_key, "status": "unchanged"}
        typer.echo(json.dumps(result, ensure_ascii=False))
