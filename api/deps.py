"""Dependencies shared by routes: the platform and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.platform import Platform
from api.problems import ApiError
from engine.accounts.principals import Principal
from engine.accounts.tokens import InvalidToken, api_token_tenant, verify_api_token
from engine.accounts.users import get_user


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def current_principal(
    platform: PlatformDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """Who is calling. Async so a cache hit costs no thread-pool hop."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "send 'Authorization: Bearer <token>' (log in or create an API token)")
    token = authorization[7:].strip()
    cached = platform.principals.get(token)
    if cached is not None:
        return cached
    principal = _verify(platform, token)
    platform.principals.put(token, principal)
    return principal


def _verify(platform: Platform, token: str) -> Principal:
    tenant = api_token_tenant(token)
    if tenant is not None:
        if not platform.store.tenant_exists(tenant):
            raise InvalidToken("the API token is unknown or revoked")
        with platform.store.read(tenant) as conn:
            user = get_user(conn, verify_api_token(conn, token))
    else:
        identity = platform.sessions.verify(token)
        if not platform.store.tenant_exists(identity.tenant):
            raise InvalidToken("the token's tenant no longer exists")
        tenant = identity.tenant
        with platform.store.read(tenant) as conn:
            user = get_user(conn, identity.user_id)
    if user is None:
        raise InvalidToken("the user of this token is no longer active")
    return Principal(tenant, user)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.user.is_admin:
        raise ApiError(403, "only a tenant administrator may do this")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]
