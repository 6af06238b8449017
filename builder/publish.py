"""Publishing an app's draft: plan the schema change, check the data, apply, switch versions.

``publish`` runs in the caller's one transaction (``Store.write``): the plan's
DDL and data changes, the new published version, the old one marked
``superseded``, the app's pointer and the audit entry commit together or not
at all. Both databases run DDL transactionally (SQLite through the store's
``BEGIN IMMEDIATE`` connections), so a publish that fails half-way leaves the
previous version's tables, definition and runtime exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from builder.apps import definition_json
from builder.archive import ArchiveRecord, archives_of
from builder.ddl import alembic_operations
from builder.operations import ApplyContext, PlanContext, PlanRefused, Problem
from builder.plan import Plan, compute_plan, next_version
from builder.validate import load_definition
from engine.definition import AppDefinition
from engine.definition.versions import AppNotFound
from engine.errors import DomainError
from engine.forms import NO_HOOKS, Hooks, build_runtime
from engine.i18n import Message
from engine.store.audit import write_audit
from engine.store.tables import app_versions, apps


class NothingToPublish(DomainError):
    """The draft defines exactly what is published (409)."""

    status = 409
    title = "Conflict"


@dataclass(frozen=True)
class PlanReport:
    """A plan with what checking the data found (blocking problems and warnings)."""

    plan: Plan
    checks: tuple[Problem, ...] = ()

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in (*self.plan.problems, *self.checks) if p.blocking]

    def to_json(self) -> dict[str, Any]:
        return self.plan.to_json(self.checks)


@dataclass(frozen=True)
class Published:
    app: str
    version: str
    version_id: int
    plan: Plan
    warnings: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.app,
            "version": self.version,
            "version_id": self.version_id,
            "status": "published",
            "operations": [op.to_json() for op in self.plan.operations],
            "warnings": [p.to_json() for p in self.warnings],
        }


@dataclass(frozen=True)
class _State:
    app_id: int
    published_id: int
    published: AppDefinition
    draft_id: int
    draft: AppDefinition


def _state(conn: Connection, app_key: str, lock: bool) -> _State:
    query = select(apps.c.id, apps.c.published_version_id).where(apps.c.key == app_key)
    # Two publishes of one app queue up here (SQLite's write lock does the same).
    app = conn.execute(query.with_for_update() if lock else query).first()
    if app is None or app.published_version_id is None:
        raise AppNotFound(app_key)
    published = conn.scalar(
        select(app_versions.c.definition).where(app_versions.c.id == app.published_version_id)
    )
    draft = conn.execute(
        select(app_versions.c.id, app_versions.c.definition).where(
            app_versions.c.app_id == app.id, app_versions.c.status == "draft"
        )
    ).first()
    if published is None or draft is None:
        raise AppNotFound(f"{app_key} (draft)")
    return _State(
        int(app.id),
        int(app.published_version_id),
        AppDefinition.model_validate(published),
        int(draft.id),
        load_definition(draft.definition),
    )


def _planned(conn: Connection, app_key: str, state: _State) -> tuple[Plan, PlanContext]:
    """The plan of the draft, and the runtimes of both versions (built once)."""
    version = next_version(state.published.version, state.draft.version)
    draft = state.draft.model_copy(update={"version": version})
    old = build_runtime(state.published, state.published_id)
    new = build_runtime(draft, state.draft_id)
    plan = compute_plan(state.published, draft, archives_of(conn, app_key), (old, new))
    return plan, PlanContext(conn, app_key, old, new)


def plan_publish(conn: Connection, app_key: str) -> PlanReport:
    """The plan of the app's draft, with every problem the data would cause.

    Reads only: safe on a read-only unit of work. Raises ``AppNotFound`` when
    there is no draft and ``DefinitionError`` when the draft no longer loads.
    """
    plan, ctx = _planned(conn, app_key, _state(conn, app_key, lock=False))
    checks = [problem for op in plan.operations for problem in op.check(ctx)]
    return PlanReport(plan, tuple(checks))


def publish(
    conn: Connection,
    app_key: str,
    user_id: int | None,
    now: datetime | None = None,
    *,
    hooks: Hooks = NO_HOOKS,
) -> Published:
    """Apply the draft's plan and make the draft the published version.

    Records the plan rewrites (stored formulas computed again) are written
    through ``hooks``, the platform's: their update events reach the
    subscribers (rules run on them, as on any update). ``NO_HOOKS`` is for
    tests and tools that run no engine beside the builder.

    Raises ``PlanRefused`` (nothing changed) when the plan has problems or the
    data does not allow it, naming the records; ``NothingToPublish`` when the
    draft changes nothing. Never commits: the caller's transaction does.
    """
    now = now or datetime.now(UTC)
    state = _state(conn, app_key, lock=True)
    plan, checked = _planned(conn, app_key, state)
    if plan.empty:
        raise NothingToPublish(Message("publish.nothing", app=repr(app_key)))
    if plan.problems:
        raise PlanRefused(list(plan.problems))
    found = [p for op in plan.operations if op.blocking_checks for p in op.check(checked)]
    if any(p.blocking for p in found):
        raise PlanRefused([p for p in found if p.blocking])
    record = ArchiveRecord(app_key, plan.to_version, state.draft_id, user_id, now)
    ops = alembic_operations(conn)
    ctx = ApplyContext(conn, app_key, checked.old, checked.new, ops, record, hooks)
    for operation in plan.operations:
        operation.apply(ctx)
    for step in ctx.deferred:
        step()
    _switch_versions(conn, state, checked.new.definition, now)
    write_audit(
        conn,
        at=now,
        user_id=user_id,
        action="app.publish",
        app_key=app_key,
        before={"version": plan.from_version, "version_id": state.published_id},
        after={
            "version": plan.to_version,
            "version_id": state.draft_id,
            "operations": [
                {"kind": op.kind, "description": op.describe()["en"]} for op in plan.operations
            ],
        },
    )
    warnings = [p for p in found if not p.blocking]
    return Published(app_key, plan.to_version, state.draft_id, plan, warnings)


def _switch_versions(
    conn: Connection, state: _State, definition: AppDefinition, now: datetime
) -> None:
    conn.execute(
        update(app_versions)
        .where(app_versions.c.id == state.published_id)
        .values(status="superseded")
    )
    conn.execute(
        update(app_versions)
        .where(app_versions.c.id == state.draft_id)
        .values(
            status="published",
            version=definition.version,
            definition=definition_json(definition),
            published_at=now,
        )
    )
    conn.execute(
        update(apps)
        .where(apps.c.id == state.app_id)
        .values(published_version_id=state.draft_id, label=definition.label or {})
    )
