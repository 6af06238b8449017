"""Upgrading an installed app to a new template version without losing what the tenant did.

The tenant's customisations are the overlay that turns the app's template
version into its published definition (``diff_to_overlay``). An upgrade
re-applies that overlay on the new template version; a clean result becomes
the app's draft and is published through ``builder.publish`` — the same
plan, data checks and schema evolution as any publish (columns added,
renamed, converted or archived, never dropped) — and the new template
version is recorded as the app's source, all in the caller's one transaction.

What cannot be re-applied is reported, never guessed (``UpgradeConflicts``):
the template removed what a customisation addresses, changed the same thing
differently, or the result no longer loads. A person resolves each conflict
with ``keep`` (the tenant's version wins, where that makes sense) or
``drop`` (the customisation is given up), then upgrades again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from builder.apps import definition_json, save_draft
from builder.archive import archives_of
from builder.operations import PlanContext, PlanRefused, Problem
from builder.overlay import (
    Applied,
    Change,
    Overlay,
    OverlayError,
    Resolution,
    apply_overlay,
    diff_to_overlay,
)
from builder.plan import Plan, compute_plan
from builder.publish import Published, publish
from builder.sources import app_source, record_source
from engine.definition import AppDefinition
from engine.definition.versions import AppNotFound, published_app, published_version_id
from engine.errors import DomainError
from engine.forms import NO_HOOKS, Hooks, build_runtime
from engine.store.audit import write_audit
from engine.store.tables import app_versions, apps


class UpgradeRefused(DomainError):
    """The upgrade cannot even be planned as asked (wrong template, not newer, a draft) (409)."""

    status = 409
    title = "Conflict"


class UpgradeConflicts(DomainError):
    """Customisations that do not re-apply; nothing was changed (409).

    The answer lists each conflict with the resolutions that can settle it,
    and carries the whole ``report``.
    """

    status = 409
    title = "Conflict"

    def __init__(self, report: UpgradeReport) -> None:
        conflicts = report.applied.conflicts
        super().__init__(
            f"{len(conflicts)} conflict(s) between the tenant's customisations and "
            f"{report.template} {report.to_version}: "
            + "; ".join(f"{c.ref or c.path}: {c.message}" for c in conflicts)
        )
        self.report = report

    def problem_detail(self) -> str:
        return "customisations conflict with the new template version; nothing was changed"

    def problem_errors(self) -> list[dict[str, Any]]:
        return [
            {
                "field": c.ref or c.path,
                "message": c.message,
                "code": c.code,
                "resolutions": list(c.resolutions),
            }
            for c in self.report.applied.conflicts
        ]

    def problem_members(self) -> dict[str, Any]:
        return {"report": self.report.to_json()}


@dataclass(frozen=True)
class UpgradeReport:
    """Everything an upgrade would do, computed without changing anything."""

    app: str
    template: str
    from_version: str
    to_version: str
    #: What the vendor changed between the two template versions, as overlay changes.
    template_changes: tuple[Change, ...]
    #: The tenant's customisations (from the published definition).
    overlay: Overlay
    #: The overlay re-applied on the new version: outcomes, conflicts, notes.
    applied: Applied
    #: The schema migration of the effective definition; None while there are conflicts.
    plan: Plan | None
    checks: tuple[Problem, ...] = ()
    #: Why the upgrade cannot start as things are (a pending draft).
    refusals: tuple[str, ...] = ()

    @property
    def effective(self) -> AppDefinition | None:
        if not self.applied.ok or self.applied.definition is None:
            return None
        return self.applied.definition.model_copy(
            update={"key": self.app, "version": self.to_version}
        )

    @property
    def blocking(self) -> list[Problem]:
        problems = [*(self.plan.problems if self.plan else ()), *self.checks]
        return [p for p in problems if p.blocking]

    @property
    def ready(self) -> bool:
        return not self.refusals and self.applied.ok and self.plan is not None and not self.blocking

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "template": self.template,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "ready": self.ready,
            "refusals": list(self.refusals),
            "template_changes": [
                {"ref": c.ref, "kind": c.kind, "description": c.describe()}
                for c in self.template_changes
            ],
            "customisations": self.applied.to_json(),
            "overlay": self.overlay.to_json(),
            "plan": self.plan.to_json(self.checks) if self.plan else None,
        }

    def lines(self) -> list[str]:
        """The report for people, in the order they need it: what, then what it costs."""
        versions = f"{self.from_version} → {self.to_version}"
        out = [f"Upgrade {self.app}: template {self.template} {versions}"]
        out.append(f"Template changes ({len(self.template_changes)}):")
        out += [f"  {c.describe()}" for c in self.template_changes] or ["  none"]
        out.append(f"Customisations re-applied ({len(self.applied.outcomes)}):")
        for outcome in self.applied.outcomes:
            line = f"  {outcome.status:<9} {outcome.ref}"
            out.append(line + (f" — {outcome.message}" if outcome.message else ""))
        if not self.applied.outcomes:
            out.append("  none")
        if self.applied.conflicts:
            count = len(self.applied.conflicts)
            out.append(f"Conflicts ({count}); nothing changes until each is resolved:")
            for conflict in self.applied.conflicts:
                name = conflict.ref or conflict.path
                out.append(f"  {name} [{conflict.code}]: {conflict.message}")
                if conflict.resolutions:
                    out.append(f"    resolve with: {' or '.join(conflict.resolutions)}")
                if conflict.related:
                    out.append(f"    customisations that touch it: {', '.join(conflict.related)}")
        out += [f"  note: {n.ref}: {n.message}" for n in self.applied.notes]
        out += [f"Refused: {r}" for r in self.refusals]
        if self.plan is not None:
            operations = self.plan.operations
            out.append(
                f"Schema migration {self.plan.from_version} → {self.plan.to_version} "
                f"({len(operations)} operation(s)):"
            )
            out += [f"  {op.describe()['en']}" for op in operations] or ["  none"]
            for problem in [*self.plan.problems, *self.checks]:
                level = "blocking" if problem.blocking else "warning"
                out.append(f"  {level}: {problem.path}: {problem.message}")
        return out


@dataclass(frozen=True)
class Upgraded:
    report: UpgradeReport
    #: The publish the upgrade made; None when the effective definition was already published.
    published: Published | None

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.report.app,
            "template": self.report.template,
            "template_version": self.report.to_version,
            "published": self.published.to_json() if self.published else None,
        }


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _content(definition: AppDefinition) -> dict[str, Any]:
    return {k: v for k, v in definition_json(definition).items() if k != "version"}


def has_draft(conn: Connection, app_key: str) -> bool:
    return (
        conn.scalar(
            select(app_versions.c.id)
            .join(apps, apps.c.id == app_versions.c.app_id)
            .where(apps.c.key == app_key, app_versions.c.status == "draft")
        )
        is not None
    )


def plan_upgrade(
    conn: Connection,
    app_key: str,
    template: AppDefinition,
    resolutions: Mapping[str, Resolution] | None = None,
) -> UpgradeReport:
    """What upgrading ``app_key`` to the template version ``template`` would do.

    Reads only. Raises ``UpgradeRefused`` when ``template`` is another
    template or not newer than the app's, ``OverlayError`` for a resolution
    that names no customisation.
    """
    source = app_source(conn, app_key)
    base = source.template
    if template.key != base.key:
        raise UpgradeRefused(
            f"{app_key!r} is based on the template {base.key!r}, not {template.key!r}"
        )
    if _semver(template.version) <= _semver(base.version):
        raise UpgradeRefused(
            f"{app_key!r} is based on {base.key} {base.version}; "
            f"{template.version} is not a newer version"
        )
    published = AppDefinition.model_validate(published_app(conn, app_key).definition)
    overlay = diff_to_overlay(base, published)
    template_changes = tuple(diff_to_overlay(base, template).changes)
    applied = apply_overlay(template, overlay, resolutions)
    refusals: tuple[str, ...] = ()
    if has_draft(conn, app_key):
        refusals = (
            "the app has an unpublished draft: publish it or discard it (--discard-draft) first",
        )
    report = UpgradeReport(
        app_key, base.key, base.version, template.version, template_changes, overlay, applied, None
    )
    effective = report.effective
    if effective is None:
        return replace(report, refusals=refusals)
    version_id = published_version_id(conn, app_key)
    old, new = build_runtime(published, version_id), build_runtime(effective)
    plan = compute_plan(published, effective, archives_of(conn, app_key), (old, new))
    ctx = PlanContext(conn, app_key, old, new)
    checks = tuple(problem for op in plan.operations for problem in op.check(ctx))
    return replace(report, plan=plan, checks=checks, refusals=refusals)


def upgrade(
    conn: Connection,
    app_key: str,
    template: AppDefinition,
    user_id: int | None,
    resolutions: Mapping[str, Resolution] | None = None,
    discard_draft: bool = False,
    now: datetime | None = None,
    *,
    hooks: Hooks = NO_HOOKS,
) -> Upgraded:
    """Re-apply the tenant's overlay on ``template`` and publish the result.

    Raises ``UpgradeConflicts`` (nothing changed) while customisations do not
    re-apply, ``PlanRefused`` when the data does not allow the migration,
    ``UpgradeRefused`` for a pending draft (unless ``discard_draft``). Never
    commits: the caller's transaction holds the draft, the publish, the new
    source and the audit entry together. ``hooks`` as for ``publish``.
    """
    now = now or datetime.now(UTC)
    _lock(conn, app_key)
    if discard_draft:
        app_id = select(apps.c.id).where(apps.c.key == app_key).scalar_subquery()
        conn.execute(
            delete(app_versions).where(
                app_versions.c.app_id == app_id, app_versions.c.status == "draft"
            )
        )
    report = plan_upgrade(conn, app_key, template, resolutions)
    if report.refusals:
        raise UpgradeRefused("; ".join(report.refusals))
    effective = report.effective
    if effective is None or report.plan is None:
        raise UpgradeConflicts(report)
    if report.blocking:
        raise PlanRefused(report.blocking)
    published: Published | None = None
    current = AppDefinition.model_validate(published_app(conn, app_key).definition)
    if _content(effective) != _content(current):
        save_draft(conn, app_key, effective, user_id)
        published = publish(conn, app_key, user_id, now, hooks=hooks)
        current = AppDefinition.model_validate(published_app(conn, app_key).definition)
    overlay = diff_to_overlay(template, current)
    record_source(conn, app_key, template, overlay, user_id, now)
    write_audit(
        conn,
        at=now,
        user_id=user_id,
        action="app.upgrade",
        app_key=app_key,
        before={"template": report.template, "template_version": report.from_version},
        after={
            "template": report.template,
            "template_version": report.to_version,
            "version": current.version,
            "customisations": [c.ref for c in overlay.changes],
            "resolutions": dict(resolutions or {}),
        },
    )
    return Upgraded(report, published)


def customise(
    conn: Connection,
    app_key: str,
    overlay: Overlay,
    user_id: int | None,
    now: datetime | None = None,
    *,
    hooks: Hooks = NO_HOOKS,
) -> Published | None:
    """Make ``overlay`` the app's customisations: the template plus it, published.

    The overlay replaces what the tenant had (it is not added to it). Its
    base must be the app's template version. Raises ``OverlayError`` with the
    conflicts when it does not apply cleanly, ``PlanRefused`` when the data
    does not allow the result; returns None when nothing changes. ``hooks``
    as for ``publish``.
    """
    now = now or datetime.now(UTC)
    _lock(conn, app_key)
    if has_draft(conn, app_key):
        raise UpgradeRefused("the app has an unpublished draft: publish or discard it first")
    source = app_source(conn, app_key)
    if overlay.base != source.ref:
        raise OverlayError(
            f"the overlay is for {overlay.base}; {app_key!r} is based on {source.ref}"
        )
    applied = apply_overlay(source.template, overlay)
    if not applied.ok or applied.definition is None:
        raise OverlayError(
            "the overlay does not apply: "
            + "; ".join(f"{c.ref or c.path}: {c.message}" for c in applied.conflicts)
        )
    current = AppDefinition.model_validate(published_app(conn, app_key).definition)
    effective = applied.definition.model_copy(update={"key": app_key, "version": current.version})
    published = None
    if _content(effective) != _content(current):
        save_draft(conn, app_key, effective, user_id)
        published = publish(conn, app_key, user_id, now, hooks=hooks)
        current = AppDefinition.model_validate(published_app(conn, app_key).definition)
    record_source(
        conn, app_key, source.template, diff_to_overlay(source.template, current), user_id, now
    )
    return published


def _lock(conn: Connection, app_key: str) -> None:
    # Two upgrades of one app queue up here (SQLite's write lock does the same).
    found = conn.execute(select(apps.c.id).where(apps.c.key == app_key).with_for_update()).first()
    if found is None:
        raise AppNotFound(app_key)
