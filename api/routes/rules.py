"""The rules of an app, for the designer: catalogue, list, live check, dry run, run log.

Administrators only (designers come with the builder's roles). Rules are
authored in the app definition and published through the draft/publish path
(``/api/apps/{app}/definition/…``); these routes read the published rules,
check a condition as the designer types it, try a rule (published or not)
on a record without writing anything, and page through a rule's runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminPrincipal, PlatformDep
from api.params import MAX_ID, StoredText
from api.problems import ApiError
from engine.definition import Key
from engine.definition.rules import MAX_CONDITION_CHARS
from engine.i18n import Message
from engine.rules import catalogue
from engine.rules.checks import check_condition
from engine.rules.dry_run import dry_run
from engine.rules.runs import list_runs, rule_stats

router = APIRouter(prefix="/api", tags=["rules"])

RuleKey = Annotated[str, Path(min_length=1, max_length=40)]


class ConditionCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity: Key
    expression: Annotated[StoredText, Field(max_length=MAX_CONDITION_CHARS)]
    trigger: Key = "updated"


class DryRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A rule as the definition writes it (checked as publishing would).
    rule: dict[str, Any]
    record_id: int = Field(ge=1, le=MAX_ID)


@router.get("/rules/catalogue")
def rules_catalogue(principal: AdminPrincipal) -> dict[str, Any]:
    """Every trigger and effect with its labels and settings schema, and the recipients' schema."""
    return catalogue()


@router.get("/apps/{app}/rules")
def list_rules(app: str, principal: AdminPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """The published rules, each with its run statistics."""
    with platform.store.read(principal.tenant) as conn:
        runtime = platform.runtime(conn, principal.tenant, app)
        stats = rule_stats(conn, runtime.key)
    empty = {"runs": 0, "failures": 0, "last_run_at": None, "last_error": None}
    return {
        "rules": [
            {
                "rule": rule.model_dump(mode="json", exclude_none=True),
                "stats": stats.get(rule.key, empty),
            }
            for rule in runtime.definition.rules
        ]
    }


@router.post("/apps/{app}/rules/check")
def check(
    app: str, body: ConditionCheck, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """Whether a condition compiles for this entity and trigger, and the names it may read."""
    with platform.store.read(principal.tenant) as conn:
        runtime = platform.runtime(conn, principal.tenant, app)
    return check_condition(runtime, body.entity, body.expression, body.trigger)


@router.post("/apps/{app}/rules/dry-run")
def try_rule(
    app: str, body: DryRunRequest, principal: AdminPrincipal, platform: PlatformDep
) -> dict[str, Any]:
    """Run the rule on the record inside a savepoint that is rolled back: what would happen."""
    with platform.store.write(principal.tenant) as conn:
        runtime = platform.runtime(conn, principal.tenant, app)
        return dry_run(
            conn,
            runtime,
            body.rule,
            body.record_id,
            user_id=principal.user.id,
            now=datetime.now(UTC),
            hooks=platform.hooks,
        )


@router.get("/apps/{app}/rules/{rule}/runs")
def runs(
    app: str,
    rule: RuleKey,
    principal: AdminPrincipal,
    platform: PlatformDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """A rule's runs, newest first: record, trigger, outcome, error, effects."""
    with platform.store.read(principal.tenant) as conn:
        runtime = platform.runtime(conn, principal.tenant, app)
        if rule not in {r.key for r in runtime.definition.rules}:
            raise ApiError(404, Message("request.no_rule", app=app, rule=rule))
        return list_runs(conn, runtime.key, rule, page=page, page_size=page_size)
