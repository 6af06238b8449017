"""Personal saved views of a list: ``/api/apps/{app}/{entity}/saved-views``.

A user saves the list as they arranged it (a filter of the filter language,
a sort, the columns) under a name, and finds it again in the list's view
menu. Only its user sees a saved view. Saving needs read access to the
entity, and the definition is checked as the user's own list request would
be: a filter or sort on a field hidden from them is refused like an unknown
field, so a saved view cannot reach further than the list itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import open_entity
from api.params import MAX_ID
from api.problems import ApiError
from engine.definition import SYSTEM_FIELDS
from engine.forms import (
    FieldError,
    GuardedReads,
    ListQuery,
    QueryInvalid,
    ReadContext,
    label_of,
    parse_filter,
)
from engine.i18n import Message
from engine.store.saved_views import (
    MAX_VIEWS_PER_LIST,
    count_views,
    delete_view,
    list_views,
    save_view,
)

router = APIRouter(prefix="/api/apps/{app}/{entity}/saved-views", tags=["saved views"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FieldPath = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SavedViewIn(BaseModel):
    """A view to save: ``filter`` in the filter language (an object), ``sort`` as
    the list's ``sort`` items (``-amount``), ``columns`` the field keys shown,
    ``q`` the list's search text ("苏州")."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    filter: dict[str, Any] | None = None
    sort: list[FieldPath] = Field(default_factory=list, max_length=10)
    columns: list[FieldPath] = Field(default_factory=list, max_length=200)
    q: str | None = Field(default=None, max_length=200)


def _check(records: GuardedReads, view: SavedViewIn) -> dict[str, Any]:
    """The view's definition, checked by running it once as the user's own list query."""
    filter_text = None if view.filter is None else json.dumps(view.filter)
    query = ListQuery(
        page_size=1,
        sort=list(view.sort),
        filter=parse_filter(filter_text),
        q=view.q or None,
        with_total=False,
    )
    records.page(query)  # refuses unknown or hidden fields, bad operators and values
    known = set(records.view.fields) | set(SYSTEM_FIELDS)
    unknown = [
        FieldError(
            f"columns[{i}]",
            Message("request.not_a_column", key=key, entity=label_of(records.entity)),
        )
        for i, key in enumerate(view.columns)
        if key not in known
    ]
    if unknown:
        raise QueryInvalid(unknown)
    return {
        "filter": view.filter,
        "sort": list(view.sort),
        "columns": list(view.columns),
        "q": view.q or None,
    }


@router.get("")
def list_saved_views(
    app: str, entity: str, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """The caller's saved views of this list, by name: ``{"items": [...]}``."""
    with platform.store.read(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        opened.access.require("read")
        items = list_views(conn, principal.user.id, opened.runtime.key, opened.entity.key)
    return JSONResponse({"items": items})


@router.post("", status_code=201)
def save_saved_view(
    app: str, entity: str, body: SavedViewIn, principal: CurrentPrincipal, platform: PlatformDep
) -> Response:
    """Save a view (201); one of the same name is replaced (200)."""
    with platform.store.write(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        ctx = ReadContext(conn, opened.runtime, opened.entity.key)
        definition = _check(GuardedReads(ctx, opened.entity, opened.access), body)
        user, app_key, entity_key = principal.user.id, opened.runtime.key, opened.entity.key
        names = {v["name"] for v in list_views(conn, user, app_key, entity_key)}
        if body.name not in names and count_views(conn, user, app_key, entity_key) >= (
            MAX_VIEWS_PER_LIST
        ):
            raise ApiError(409, Message("request.views_full", max=MAX_VIEWS_PER_LIST))
        now = datetime.now(UTC)
        saved, created = save_view(conn, user, app_key, entity_key, body.name, definition, now)
    return JSONResponse(saved, 201 if created else 200)


@router.delete("/{view_id}", status_code=204)
def delete_saved_view(
    app: str,
    entity: str,
    view_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    principal: CurrentPrincipal,
    platform: PlatformDep,
) -> Response:
    """Delete one of the caller's views; another user's is not found (404)."""
    with platform.store.write(principal.tenant) as conn:
        opened = open_entity(conn, platform, principal, app, entity)
        if not delete_view(conn, principal.user.id, opened.runtime.key, opened.entity.key, view_id):
            raise ApiError(404, Message("request.no_view", id=view_id))
    return Response(status_code=204)
