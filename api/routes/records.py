"""Records of an app's entities: list, create, read, update, delete.

Every call goes through the caller's access (``engine.forms.guard``): the
routes only open the unit of work and hand the guarded service the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Header, Request, Response
from fastapi.responses import JSONResponse

from api.deps import AdminPrincipal, CurrentPrincipal, PlatformDep
from api.entities import open_entity
from api.idempotency import Idempotent
from api.params import RecordId
from engine.forms import (
    FieldError,
    GuardedReads,
    GuardedWrites,
    ListQuery,
    QueryInvalid,
    ReadContext,
    RecordInvalid,
    WriteContext,
    apply_view,
    parse_filter,
    readable_history,
    record_exists,
)
from engine.i18n import Message, negotiate
from engine.tenancy import tenant_timezone

router = APIRouter(prefix="/api/apps/{app}/{entity}", tags=["records"])

LIST_PARAMS = {"page", "page_size", "sort", "q", "count", "filter", "view"}
MAX_BULK = 10_000


@contextmanager
def _writing(
    platform: PlatformDep, principal: CurrentPrincipal, app: str, entity: str
) -> Iterator[GuardedWrites]:
    with platform.store.write(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        key = opened.entity.key
        now = datetime.now(UTC)
        ctx = WriteContext(conn, opened.runtime, key, principal.user.id, now, hooks=platform.hooks)
        yield GuardedWrites(ctx, opened.entity, opened.access)


@contextmanager
def _reading(
    platform: PlatformDep, principal: CurrentPrincipal, app: str, entity: str
) -> Iterator[GuardedReads]:
    with platform.store.read(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        ctx = ReadContext(conn, opened.runtime, opened.entity.key)
        yield GuardedReads(ctx, opened.entity, opened.access)


#: Digits accepted in an integer parameter: more would not fit 64 bits anyway,
#: and Python refuses to convert strings over 4,300 digits (a 500 otherwise).
MAX_INT_DIGITS = 18


def _int_param(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    digits = text[1:] if text.startswith("-") else text
    # isascii: str.isdigit() also accepts "²" and other digits int() refuses.
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_INT_DIGITS:
        raise QueryInvalid([FieldError(name, Message("request.integer"), {"en": name})])
    return int(text)


def _list_query(request: Request, *, deleted: bool = False) -> ListQuery:
    """The list's query parameters (docs/filters.md), for live or binned records."""
    params = request.query_params
    sort = [s for s in params.get("sort", "").split(",") if s]
    return ListQuery(
        page=_int_param(request, "page", 1),
        page_size=_int_param(request, "page_size", 20),
        # The recycle bin shows the newest deletion first unless told otherwise.
        sort=sort or (["-deleted_at"] if deleted else []),
        q=params.get("q") or None,
        with_total=params.get("count", "true").lower() != "false",
        filters={k: v for k, v in params.items() if k not in LIST_PARAMS},
        filter=parse_filter(params.get("filter")),
        deleted=deleted,
    )


@router.get("")
def list_(
    app: str, entity: str, request: Request, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    params = request.query_params
    query = _list_query(request)
    with _reading(platform, principal, app, entity) as records:
        view = params.get("view")
        if view:
            today = datetime.now(tenant_timezone(records.ctx.conn)).date()
            definition = records.ctx.app.definition
            query = apply_view(query, definition, entity, view, principal.user.id, today)
        return JSONResponse(records.page(query))


@router.post("", status_code=201)
def create(
    app: str,
    entity: str,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    idempotent: Idempotent,
    body: dict[str, Any] = Body(),
) -> Response:
    """Create a record; an ``Idempotency-Key`` header makes a retry replay the answer."""
    with _writing(platform, principal, app, entity) as records:
        replay = idempotent.replay(records.ctx.conn, body)
        if replay is not None:
            return replay
        record = records.create(body)
        return idempotent.answer(records.ctx.conn, JSONResponse(record, 201))


@router.post("/bulk", status_code=201)
def bulk_create(
    app: str,
    entity: str,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    idempotent: Idempotent,
    body: list[dict[str, Any]] = Body(),
) -> Response:
    """Create many records in one transaction: all of them or, on any error, none."""
    if not 1 <= len(body) <= MAX_BULK:
        raise RecordInvalid([FieldError("body", Message("request.bulk_count", max=MAX_BULK))])
    with _writing(platform, principal, app, entity) as records:
        replay = idempotent.replay(records.ctx.conn, body)
        if replay is not None:
            return replay
        ids = records.create_many(body)
        answer = JSONResponse({"ids": ids, "created": len(ids)}, 201)
        return idempotent.answer(records.ctx.conn, answer)


@router.get("/deleted")
def recycle_bin(
    app: str, entity: str, request: Request, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """The recycle bin: deleted records, newest deletion first; ``filter``, ``q``,
    ``sort`` and ``<field>=<value>`` as on the list, checked the same way (a filter
    is never ignored: a client would take every binned record for its matches)."""
    query = _list_query(request, deleted=True)
    with _reading(platform, principal, app, entity) as records:
        return JSONResponse(records.page(query))


@router.delete("/deleted/{record_id}", status_code=204)
def purge(
    app: str, entity: str, record_id: RecordId, principal: AdminPrincipal, platform: PlatformDep
) -> Response:
    with _writing(platform, principal, app, entity) as records:
        records.purge(record_id)
    return Response(status_code=204)


@router.post("/{record_id}/restore")
def restore(
    app: str, entity: str, record_id: RecordId, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    with _writing(platform, principal, app, entity) as records:
        return JSONResponse(records.restore(record_id))


@router.get("/{record_id}/history")
def history(
    app: str,
    entity: str,
    record_id: RecordId,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    accept_language: str | None = Header(None),
) -> Response:
    """The record's history, oldest first, with field labels, display values and named
    actions; ``via_label`` (what wrote a change: a rule, an import, …) in the reader's language."""
    with _reading(platform, principal, app, entity) as records:
        return JSONResponse(readable_history(records, record_id, negotiate(accept_language)))


@router.get("/{record_id}")
def read(
    app: str, entity: str, record_id: RecordId, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    with _reading(platform, principal, app, entity) as records:
        record = records.get(record_id)
        record["_access"] = _rights(records, record_id)
        return JSONResponse(record)


def _rights(records: GuardedReads, record_id: int) -> dict[str, bool]:
    """What the caller may do with this record, so a client does not offer what would
    fail: a rep reads a lead of the pool but changes it only after claiming it."""
    rights = {}
    for action in ("update", "delete"):
        if not records.access.allows(action):
            rights[action] = False
            continue
        within = records.access.condition(action, records.entity.table)
        rights[action] = within is None or record_exists(
            records.ctx, records.entity, record_id, scope=within
        )
    return rights


@router.patch("/{record_id}")
def patch(
    app: str,
    entity: str,
    record_id: RecordId,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    body: dict[str, Any] = Body(),
) -> Response:
    version = body.pop("version", None)
    if isinstance(version, bool) or not isinstance(version, int):
        raise RecordInvalid([FieldError("version", Message("request.version_required"))])
    with _writing(platform, principal, app, entity) as records:
        record = records.update(record_id, body, version)
    return JSONResponse(record)


@router.delete("/{record_id}", status_code=204)
def delete(
    app: str, entity: str, record_id: RecordId, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    with _writing(platform, principal, app, entity) as records:
        records.delete(record_id)
    return Response(status_code=204)
