"""API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import CurrentPrincipal, PlatformDep, subject_user_id
from api.params import StoredText
from api.problems import ApiError
from engine.accounts.security_events import TOKEN_CREATED, TOKEN_REVOKED, record_event
from engine.accounts.tokens import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    create_api_token,
    find_token,
    list_tokens,
    revoke_token,
)
from engine.i18n import Message

router = APIRouter(prefix="/api/tokens", tags=["tokens"])

ID_MAX = 2**31 - 1


class TokenRequest(BaseModel):
    name: StoredText = Field(default="api", min_length=1, max_length=100)
    expires_at: AwareDatetime | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS)


def _expiry(body: TokenRequest, now: datetime) -> datetime:
    if body.expires_at is not None and body.expires_in_days is not None:
        message = Message("request.expiry_both")
        raise ApiError(422, message, [{"field": "expires_at", "message": message}])
    if body.expires_at is None:
        return now + timedelta(days=body.expires_in_days or DEFAULT_TOKEN_DAYS)
    expires = body.expires_at.astimezone(UTC)
    if expires <= now:
        raise ApiError(
            422,
            Message("request.expiry_past"),
            [{"field": "expires_at", "message": Message("request.future")}],
        )
    if expires > now + timedelta(days=MAX_TOKEN_DAYS):
        message = Message("request.expiry_max", max=MAX_TOKEN_DAYS)
        raise ApiError(
            422, Message("request.expiry_far"), [{"field": "expires_at", "message": message}]
        )
    return expires


@router.post("", status_code=201)
def new_token(
    principal: CurrentPrincipal, platform: PlatformDep, body: TokenRequest | None = None
) -> dict[str, Any]:
    """A new API token of the caller. Its text is in this answer and never again."""
    body = body or TokenRequest()
    now = datetime.now(UTC)
    expires_at = _expiry(body, now)
    with platform.store.write(principal.tenant) as conn:
        created = create_api_token(
            conn, principal.tenant, principal.user, body.name, now=now, expires_at=expires_at
        )
        detail = {"token_id": created.info.id, "name": body.name}
        record_event(conn, TOKEN_CREATED, principal.user.id, detail, now)
    return {"token": created.secret, **created.info.as_json()}


@router.get("")
def tokens(
    principal: CurrentPrincipal,
    platform: PlatformDep,
    user_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> list[dict[str, Any]]:
    """The caller's tokens; an administrator sees everyone's, or one user's with ``user_id``."""
    if principal.user.is_admin and user_id is None:
        whose: int | None = None
    else:
        whose = subject_user_id(principal, user_id)
    with platform.store.read(principal.tenant) as conn:
        return [token.as_json() for token in list_tokens(conn, whose)]


@router.delete("/{token_id}", status_code=204)
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    principal: CurrentPrincipal,
    platform: PlatformDep,
) -> Response:
    """Revoke a token: the caller's own, or anyone's for an administrator.
    Someone else's token is not found for anyone else."""
    now = datetime.now(UTC)
    with platform.store.write(principal.tenant) as conn:
        token = find_token(conn, token_id)
        if token is None or (token.user_id != principal.user.id and not principal.user.is_admin):
            raise ApiError(404, Message("request.no_token", id=token_id))
        if revoke_token(conn, token_id, now):
            detail = {"token_id": token_id, "name": token.name, "owner_id": token.user_id}
            record_event(conn, TOKEN_REVOKED, principal.user.id, detail, now)
    return Response(status_code=204)
