"""Grouped aggregates of an entity's records: ``GET /api/apps/{app}/{entity}/aggregate``.

``?group_by=stage,close_date:month&measures=sum:amount,count&filter=<JSON>``
answers ``{"group_by": [...], "measures": [...], "groups": [{"stage": "won",
"close_date": "2026-03", "sum_amount": 123.0, "count": 4, "_display": {}}]}``.
``filter``, ``q``, ``view`` and ``?field=value`` select records as the list
endpoint does, within the caller's read scope (``engine.forms.aggregate``; the wire
format is in docs/aggregate.md).

Registered before the records router: ``/aggregate`` is a fixed path that
``/{record_id}`` would otherwise claim (and refuse as a bad id).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import open_entity
from engine.forms import (
    AggregateQuery,
    GuardedReads,
    ReadContext,
    aggregate_as,
    parse_filter,
    require_view,
    view_filter,
)
from engine.tenancy import tenant_timezone

router = APIRouter(prefix="/api/apps/{app}/{entity}", tags=["records"])

PARAMS = {"group_by", "measures", "filter", "q", "view"}


def _items(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@router.get("/aggregate")
def aggregate(
    app: str, entity: str, request: Request, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """Counts, sums, averages, minima and maxima per group of records."""
    params = request.query_params
    query = AggregateQuery(
        group_by=_items(params.get("group_by")),
        measures=_items(params.get("measures", "count")),
        filters={k: v for k, v in params.items() if k not in PARAMS},
        filter=parse_filter(params.get("filter")),
        q=params.get("q") or None,
    )
    with platform.store.read(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        runtime, target = opened.runtime, opened.entity
        if params.get("view"):
            # The sums of a kanban's columns count what its cards show.
            view = require_view(runtime.definition, target.key, params["view"])
            today = datetime.now(tenant_timezone(conn)).date()
            query = replace(query, designed=view_filter(view, principal.user.id, today))
        reads = GuardedReads(ReadContext(conn, runtime, target.key), target, opened.access)
        return JSONResponse(aggregate_as(reads, query))
