"""Dependencies shared by routes: the platform and who is calling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Header, Request
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from api.platform import Platform
from api.problems import ApiError
from engine.accounts.principals import Principal
from engine.accounts.sessions import TOUCH_INTERVAL, session_user, touch_session
from engine.accounts.tokens import InvalidToken, api_token_tenant, token_user, touch_token
from engine.i18n import Message
from engine.store.store import TENANT_KEY

log = logging.getLogger("formwork.auth")


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def current_principal(
    request: Request,
    platform: PlatformDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    """Who is calling.

    The authentication middleware (api/middleware/authentication.py) has
    usually verified the token already and left the principal on the request;
    otherwise it is verified here, in a worker thread (it reads the database).
    """
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    principal = await to_thread.run_sync(authenticate, platform, authorization)
    request.state.principal = principal
    return principal


def authenticate(platform: Platform, authorization: str | None) -> Principal:
    """The principal of an ``Authorization`` header value; plain sync (reads the DB).

    One indexed query per call (session or API-token row joined to an active
    user), no cache: a revoked session or token, or a deactivated user, fails
    on the next request in every process. Raises ``ApiError(401)`` when the
    header is missing or not a bearer token, ``InvalidToken`` when the token
    does not verify.
    """
    if not authorization or not authorization[:7].lower() == "bearer ":
        raise ApiError(401, Message("account.no_bearer"))
    token = authorization[7:].strip()
    now = datetime.now(UTC)
    tenant = api_token_tenant(token)
    if tenant is not None:
        return _api_token_principal(platform, tenant, token, now)
    identity = platform.sessions.verify(token)
    if not TENANT_KEY.fullmatch(identity.tenant) or not platform.store.tenant_exists(
        identity.tenant
    ):
        raise InvalidToken(Message("account.tenant_gone"))
    with platform.store.read(identity.tenant) as conn:
        found = session_user(conn, identity.session_id, identity.user_id, now)
    if found is None:
        raise InvalidToken(Message("account.session_ended"))
    if found.last_seen_at < now - TOUCH_INTERVAL:
        _bookkeeping(
            platform, identity.tenant, lambda c: touch_session(c, identity.session_id, now)
        )
    return Principal(identity.tenant, found.user, session_id=identity.session_id)


def _api_token_principal(platform: Platform, tenant: str, token: str, now: datetime) -> Principal:
    unknown = InvalidToken(Message("account.api_token_unknown"))
    if not TENANT_KEY.fullmatch(tenant) or not platform.store.tenant_exists(tenant):
        raise unknown
    with platform.store.read(tenant) as conn:
        found = token_user(conn, token, now)
    if found is None:
        raise unknown
    if found.last_used_at is None or found.last_used_at < now - TOUCH_INTERVAL:
        _bookkeeping(platform, tenant, lambda c: touch_token(c, found.token_id, now))
    return Principal(tenant, found.user, token_id=found.token_id)


def _bookkeeping(platform: Platform, tenant: str, write: Callable[[Connection], None]) -> None:
    """Write last-seen/last-used marks; a failure here never fails the request."""
    try:
        with platform.store.write(tenant) as conn:
            write(conn)
    except SQLAlchemyError:
        log.warning("could not record token use in tenant %s", tenant, exc_info=True)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.user.is_admin:
        raise ApiError(403, Message("account.admin_only"))
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]


def subject_user_id(principal: Principal, user_id: int | None) -> int:
    """Whose sessions or tokens a call is about: the caller's own unless an
    administrator names someone else (anyone else naming a user gets 403)."""
    if user_id is None or user_id == principal.user.id:
        return principal.user.id
    if not principal.user.is_admin:
        raise ApiError(403, Message("account.admin_only_others"))
    return user_id
