"""Live form state for the runtime form: ``POST /api/apps/{app}/{entity}/preview``.

The form sends its current values (partial, possibly invalid) as it changes;
the answer says which fields are visible, required and read-only and what
the formulas compute (see ``engine.forms.preview``). It never answers 422
for the values: a half-filled form is what it is for. ``?record=<id>`` says
the form edits that record, whose stored values fill the fields not sent.

Declared before the records routes: ``/preview`` is a fixed path beside
``/{record_id}`` (which has no POST), so the order only documents intent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Header, Query

from api.deps import CurrentPrincipal, PlatformDep
from api.entities import open_entity
from api.params import MAX_ID
from engine.forms import WriteContext, preview_as
from engine.i18n import negotiate, translate

router = APIRouter(prefix="/api/apps/{app}/{entity}", tags=["records"])


@router.post("/preview")
def preview(
    app: str,
    entity: str,
    principal: CurrentPrincipal,
    platform: PlatformDep,
    body: dict[str, Any] = Body(),
    record: int | None = Query(None, ge=1, le=MAX_ID, description="the record the form edits"),
    accept_language: str | None = Header(None),
) -> dict[str, Any]:
    """Visibility, requirement, read-only state and computed values of a form;
    the messages of values that cannot be stored in the reader's language."""
    with platform.store.read(principal.tenant) as conn:
        # A pool record the user sees previews too (its form opens read-only).
        opened = open_entity(conn, platform, principal, app, entity)
        runtime, target, access = opened.runtime, opened.entity, opened.access
        # Only the user and the clock of a write: nothing is written.
        now = datetime.now(UTC)
        ctx = WriteContext(conn, runtime, target.key, principal.user.id, now, hooks=platform.hooks)
        answer = preview_as(ctx, target, access, body, record).to_json()
    lang = negotiate(accept_language)
    answer["errors"] = {path: translate(text, lang) for path, text in answer["errors"].items()}
    return answer
