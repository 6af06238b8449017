"""Spreadsheet export and import of an entity's records.

``GET /api/apps/{app}/{entity}/export?format=xlsx|csv&lang=zh-CN|en`` with the
list's own parameters (``view``, ``filter``, ``sort``, ``q``, ``?field=value``)
answers the file; ``POST …/import`` takes one (multipart ``file``,
``?dry_run=true`` to check only, ``?encoding=`` for a CSV not in UTF-8). Both
go through the caller's access (``engine.forms.guard``);
docs/import-export.md has the rules.

An import runs in steps so that no transaction waits for the file: it reads
and checks the file with no connection (``read_sheet``, bounded by the
``FORMWORK_IMPORT_*`` settings), reads the names the file refers to in a
read transaction, turns the cells into values with no connection, and only
then opens the write transaction, which validates and inserts. Imports and
exports each hold one of the tenant's few heavy-operation slots
(``engine.store.leases``) while they run; when none is free the answer is a
429 with ``Retry-After``.

Registered before the records router: ``/export`` and ``/import`` are fixed
paths that ``/{record_id}`` would otherwise claim.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, Connection, false

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import access_to, open_entity
from api.platform import Platform
from api.problems import ApiError
from api.settings import Settings
from engine.accounts.principals import Principal
from engine.forms import (
    COLUMN_CHOICES,
    FORMATS,
    LANGS,
    MB,
    MEDIA_TYPES,
    MODES,
    VIA_IMPORT,
    AppRuntime,
    Columns,
    EntityAccess,
    FieldAccess,
    FieldError,
    Format,
    GuardedReads,
    GuardedWrites,
    ImportLimits,
    ListQuery,
    Lookups,
    Matching,
    Mode,
    Outcome,
    QueryInvalid,
    ReadContext,
    RowsInvalid,
    TargetScope,
    WriteContext,
    apply_rows,
    apply_view,
    check_encoding,
    check_matching,
    export_file,
    link_texts,
    map_columns,
    parse_filter,
    prepare_rows,
    read_sheet,
    require_view,
    row_keys,
    template_file,
    text_of,
)
from engine.i18n import Message
from engine.store.leases import Lease, holding
from engine.tenancy import tenant_timezone

router = APIRouter(prefix="/api/apps/{app}/{entity}", tags=["records"])

EXPORT_PARAMS = {
    "format",
    "lang",
    "columns",
    "view",
    "filter",
    "sort",
    "q",
    "page",
    "page_size",
    "count",
}
TEMPLATE_FORMATS = ("xlsx",)


class _DryRun(Exception):
    """Leaves the write transaction so it rolls back: a dry run writes nothing."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in allowed:
        raise QueryInvalid(
            [FieldError(name, Message("request.one_of", allowed=", ".join(allowed)))]
        )
    return value


def _lang(request: Request) -> str:
    """``?lang=`` when given (else 422), else the first language ``Accept-Language`` names."""
    if "lang" in request.query_params:
        return _choice(request, "lang", LANGS, "zh-CN")
    accepted = request.headers.get("accept-language", "")
    first = accepted.split(",")[0].split(";")[0].strip().casefold()
    return "en" if first.startswith("en") else "zh-CN"


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
    chosen = _choice(request, "columns", COLUMN_CHOICES, "view")
    which: Columns = "importable" if chosen == "importable" else "view"
    query = ListQuery(
        sort=[s for s in params.get("sort", "").split(",") if s],
        q=params.get("q") or None,
        filters={k: v for k, v in params.items() if k not in EXPORT_PARAMS},
        filter=parse_filter(params.get("filter")),
    )
    with platform.store.read(principal.tenant) as conn:
        open_entity(conn, platform, principal, app, entity).access.require("read")
    settings = platform.settings
    with (
        _slot(platform, principal.tenant, "export", settings.export_concurrency),
        platform.store.read(principal.tenant) as conn,
    ):
        opened = open_entity(conn, platform, principal, app, entity)
        runtime, target, access = opened.runtime, opened.entity, opened.access
        reads = GuardedReads(ReadContext(conn, runtime, target.key), target, access)
        tz = tenant_timezone(conn)
        view = None
        if params.get("view"):
            view = require_view(runtime.definition, target.key, params["view"])
            today = datetime.now(tz).date()
            query = apply_view(
                query, runtime.definition, target.key, view.key, access.user.id, today
            )
        lookups = Lookups(conn, runtime, _target_scope(conn, platform, principal, runtime))
        content = export_file(reads, query, view, fmt, lang, which, lookups)
        label = text_of(target.defn.label, lang, target.key)
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    disposition = content_disposition(f"{label}-{stamp}.{fmt}", f"{target.key}-{stamp}.{fmt}")
    return Response(
        content, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition}
    )


@router.get("/import-template")
def import_template(
    app: str, entity: str, request: Request, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """An XLSX to fill in: the importable fields' labels, required marks, dropdowns, an example."""
    _choice(request, "format", TEMPLATE_FORMATS, "xlsx")
    lang = _lang(request)
    with platform.store.read(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        runtime, target, access = opened.runtime, opened.entity, opened.access
        if not access.allows("update"):
            access.require("create")
        reads = GuardedReads(ReadContext(conn, runtime, target.key), target, access)
        content = template_file(reads, lang, tenant_timezone(conn))
        label = text_of(target.defn.label, lang, target.key)
    suffix = "导入模板" if lang == "zh-CN" else "import template"
    disposition = content_disposition(f"{label}-{suffix}.xlsx", f"{target.key}-template.xlsx")
    return Response(
        content, media_type=MEDIA_TYPES["xlsx"], headers={"Content-Disposition": disposition}
    )


def import_limits(settings: Settings) -> ImportLimits:
    """The ``FORMWORK_IMPORT_*`` bounds of reading a file."""
    return ImportLimits(
        max_bytes=settings.import_max_mb * MB,
        max_rows=settings.import_max_rows,
        max_columns=settings.import_max_columns,
        max_cells=settings.import_max_cells,
        max_seconds=settings.import_max_seconds,
        max_unpacked_bytes=settings.import_max_unpacked_mb * MB,
    )


def _slot(platform: Platform, tenant: str, kind: str, limit: int) -> AbstractContextManager[Lease]:
    """A heavy-operation slot; none free raises ``SlotsBusy`` (429 with ``Retry-After``)."""
    ttl = timedelta(seconds=platform.settings.heavy_lease_seconds)
    return holding(platform.store, tenant, kind, limit, ttl)


def _target_scope(
    conn: Connection, platform: Platform, principal: Principal, runtime: AppRuntime
) -> TargetScope:
    def target_scope(key: str) -> tuple[ColumnElement[bool] | None, bool]:
        """Links match titles among the target's records the importer may read."""
        linked = access_to(conn, platform, principal, runtime, key)
        if not linked.allows("read"):
            return false(), False
        title = runtime.entities[key].title_field
        visible = linked.unrestricted or (
            title is not None and linked.fields[title] is not FieldAccess.HIDDEN
        )
        return linked.condition("read", runtime.entities[key].table), visible

    return target_scope


@router.post("/import")
def import_(
    app: str,
    entity: str,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    file: UploadFile = File(),
    dry_run: bool = False,
    encoding: str | None = None,
    mode: str = "insert",
    match_by: str | None = None,
) -> Response:
    """Create, update or upsert one record per row of the file, all of them or none.

    ``mode``: ``insert`` (every row a new record), ``update`` (rows name their
    record by ``ID`` or by the unique field ``match_by``) or ``upsert`` (rows
    naming none create one). A dry run answers what each row would do.
    """
    if mode not in MODES:
        raise QueryInvalid(
            [FieldError("mode", Message("request.one_of", allowed=", ".join(MODES)))]
        )
    matching = Matching(next(m for m in MODES if m == mode), match_by or None)
    codec = check_encoding(encoding) if encoding else None
    with platform.store.read(principal.tenant) as conn:
        # Before the file is read: a 403 whatever it holds, and no slot taken for it.
        _require(open_entity(conn, platform, principal, app, entity).access, matching.mode)
    # SlotsBusy (429) and ImportInvalid (422, every problem listed) answer for themselves.
    with _slot(platform, principal.tenant, "import", platform.settings.import_concurrency):
        return _import(app, entity, principal, platform, file, dry_run, codec, matching)


def _require(access: EntityAccess, mode: Mode) -> None:
    """Insert needs ``create``, update ``update``; an upsert either (each row is checked)."""
    if mode == "insert" or (mode == "upsert" and not access.allows("update")):
        access.require("create")
    else:
        access.require("update")


def _import(
    app: str,
    entity: str,
    principal: Principal,
    platform: Platform,
    file: UploadFile,
    dry_run: bool,
    codec: str | None,
    matching: Matching,
) -> Response:
    store, tenant = platform.store, principal.tenant
    limits = import_limits(platform.settings)
    # 1. The file, with no connection held: the slow and hostile part.
    sheet = read_sheet(file.file.read(limits.max_bytes + 1), file.filename or "", limits, codec)
    keys = row_keys(sheet)
    # 2. The names it refers to, in a read transaction.
    with store.read(tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        _require(opened.access, matching.mode)
        columns = map_columns(opened.entity, opened.access, sheet)
        check_matching(opened.entity, matching, [c.bound.key for c in columns])
        lookups = Lookups(
            conn, opened.runtime, _target_scope(conn, platform, principal, opened.runtime)
        )
        lookups.load(columns, link_texts(sheet, columns))
        version = opened.runtime.version_id
    # 3. Every cell as a value, again with no connection.
    prepared = prepare_rows(sheet, columns, lookups)
    # 4. One short write transaction: validate and write every row, or none.
    try:
        with store.write(tenant) as conn:
            opened = open_entity(conn, platform, principal, app, entity)
            if opened.runtime.version_id != version:
                raise ApiError(409, Message("request.published_meanwhile"))
            ctx = WriteContext(
                conn,
                opened.runtime,
                opened.entity.key,
                principal.user.id,
                datetime.now(UTC),
                hooks=platform.hooks,
                via=VIA_IMPORT,
            )
            writes = GuardedWrites(ctx, opened.entity, opened.access)
            outcome = apply_rows(writes, prepared, keys, matching)
            if outcome.problems:
                raise RowsInvalid(outcome)  # all or nothing: the transaction rolls back
            if dry_run:
                raise _DryRun(outcome)
    except _DryRun as done:
        report = done.outcome.report(written=False)
        return JSONResponse({"valid": len(done.outcome.results), **report})
    answer = {
        **outcome.report(),
        "ids": outcome.ids("created"),
        "updated_ids": outcome.ids("updated"),
    }
    return JSONResponse(answer, 201)
