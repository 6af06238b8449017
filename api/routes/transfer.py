"""Spreadsheet export and import of an entity's records.

``GET /api/apps/{app}/{entity}/export?format=xlsx|csv&lang=zh-CN|en`` with the
list's own parameters (``view``, ``filter``, ``sort``, ``q``, ``?field=value``)
answers the file; ``POST …/import`` takes one (multipart ``file``,
``?dry_run=true`` to check only). Both go through the caller's access
(``engine.forms.guard``); docs/import-export.md has the rules.

Registered before the records router: ``/export`` and ``/import`` are fixed
paths that ``/{record_id}`` would otherwise claim.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, false

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import access_to, open_entity
from api.problems import problem
from engine.expressions import TENANT_TZ
from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import FieldError, RecordInvalid
from engine.forms.filters import parse_filter
from engine.forms.guard import GuardedReads, GuardedWrites
from engine.forms.permissions import FieldAccess
from engine.forms.records import ListQuery
from engine.forms.transfer.cells import LANGS, text_of
from engine.forms.transfer.export import FORMATS, MEDIA_TYPES, Format, export_file
from engine.forms.transfer.importing import MAX_BYTES, ImportInvalid, import_records, read_sheet
from engine.forms.transfer.lookups import Lookups
from engine.forms.views import apply_view, require_view

router = APIRouter(prefix="/api/apps/{app}/{entity}", tags=["records"])

EXPORT_PARAMS = {"format", "lang", "view", "filter", "sort", "q", "page", "page_size", "count"}


class _DryRun(Exception):
    """Leaves the write transaction so it rolls back: a dry run writes nothing."""

    def __init__(self, valid: int) -> None:
        super().__init__(valid)
        self.valid = valid


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in allowed:
        raise RecordInvalid([FieldError(name, f"must be one of {', '.join(allowed)}")])
    return value


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII name and the real one as RFC 5987 ``filename*``."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/export")
def export(
    app: str, entity: str, request: Request, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """The records the list would show, every page of them, as an XLSX or CSV file."""
    params = request.query_params
    fmt: Format = "csv" if _choice(request, "format", FORMATS, "xlsx") == "csv" else "xlsx"
    lang = _choice(request, "lang", LANGS, "zh-CN")
    query = ListQuery(
        sort=[s for s in params.get("sort", "").split(",") if s],
        q=params.get("q") or None,
        filters={k: v for k, v in params.items() if k not in EXPORT_PARAMS},
        filter=parse_filter(params.get("filter")),
    )
    with platform.store.read(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        runtime, target, access = opened.runtime, opened.entity, opened.access
        reads = GuardedReads(ReadContext(conn, runtime, target.key), target, access)
        view = None
        if params.get("view"):
            view = require_view(runtime.definition, target.key, params["view"])
            today = datetime.now(TENANT_TZ).date()
            query = apply_view(
                query, runtime.definition, target.key, view.key, access.user.id, today
            )
        content = export_file(reads, query, view, fmt, lang)
        label = text_of(target.defn.label, lang, target.key)
    stamp = datetime.now(TENANT_TZ).strftime("%Y%m%d-%H%M")
    disposition = content_disposition(f"{label}-{stamp}.{fmt}", f"{target.key}-{stamp}.{fmt}")
    return Response(
        content, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition}
    )


@router.post("/import")
def import_(
    app: str,
    entity: str,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    file: UploadFile = File(),
    dry_run: bool = False,
) -> Response:
    """Create one record per row of the file, all of them or none."""
    data = file.file.read(MAX_BYTES + 1)
    try:
        with platform.store.write(principal.tenant) as conn:
            opened = open_entity(conn, platform, principal, app, entity)
            runtime, target, access = opened.runtime, opened.entity, opened.access
            user = principal.user
            access.require("create")  # before the file is read: a 403 whatever it holds
            ctx = WriteContext(conn, runtime, target.key, user.id, datetime.now(UTC))
            writes = GuardedWrites(ctx, target, access)

            def target_scope(key: str) -> tuple[ColumnElement[bool] | None, bool]:
                """Links match titles among the target's records the importer may read."""
                linked = access_to(conn, principal, runtime, key)
                if not linked.allows("read"):
                    return false(), False
                title = runtime.entities[key].title_field
                visible = linked.unrestricted or (
                    title is not None and linked.fields[title] is not FieldAccess.HIDDEN
                )
                return linked.condition("read", runtime.entities[key].table), visible

            sheet = read_sheet(data, file.filename or "")
            ids = import_records(writes, Lookups(conn, runtime, target_scope), sheet)
            if dry_run:
                raise _DryRun(len(ids))
    except _DryRun as done:
        return JSONResponse({"valid": done.valid})
    except ImportInvalid as err:
        return problem(422, str(err), [p.to_json() for p in err.problems], total_errors=err.total)
    return JSONResponse({"created": len(ids), "ids": ids}, 201)
