"""Logging in and out, and who am I."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.client_ip import client_ip
from api.deps import CurrentPrincipal, PlatformDep
from api.params import StoredText
from api.problems import ApiError
from api.settings import Settings
from engine.accounts.login import LoginAttempt, log_in
from engine.accounts.login_throttle import Limit, ThrottlePolicy
from engine.accounts.security_events import LOGOUT, record_event
from engine.accounts.sessions import revoke_session
from engine.accounts.users import user_roles
from engine.i18n import Message

router = APIRouter(prefix="/api", tags=["auth"])


class LoginRequest(BaseModel):
    tenant: StoredText = Field(min_length=1, max_length=64)
    username: StoredText = Field(min_length=1, max_length=64)
    password: StoredText = Field(min_length=1, max_length=256)


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    """The login throttle the settings ask for (FORMWORK_LOGIN_*)."""
    default = ThrottlePolicy()
    return ThrottlePolicy(
        account=Limit(settings.login_account_threshold, default.account.memory),
        ip=Limit(settings.login_ip_threshold, default.ip.memory),
        base_delay=settings.login_base_delay_seconds,
        max_delay=float(settings.login_max_delay_seconds),
    )


@router.post(
    "/auth/login",
    response_model=None,
    responses={401: {"description": "wrong credentials"}, 429: {"description": "throttled"}},
)
async def login(body: LoginRequest, request: Request, platform: PlatformDep) -> Any:
    """Open a session. Too many failures (per account, per IP) answer 429 with
    ``Retry-After`` before the password is even checked."""
    settings = platform.settings
    attempt = LoginAttempt(
        tenant=body.tenant,
        username=body.username,
        password=body.password,
        ip=client_ip(request.scope, settings.trusted_proxies),
        user_agent=request.headers.get("user-agent"),
    )
    # LoginFailed (401) and LoginThrottled (429) carry their own answers.
    done = await to_thread.run_sync(
        lambda: log_in(
            platform.store,
            platform.passwords,
            throttle_policy(settings),
            attempt,
            session_lifetime=timedelta(hours=settings.session_hours),
        )
    )
    token = platform.sessions.issue(
        body.tenant, done.user.id, done.session.id, done.session.expires_at
    )
    return {
        "access_token": token,
        "token_type": "bearer",
        "tenant": body.tenant,
        "expires_at": done.session.expires_at.isoformat(),
        "user": done.user.as_json(done.roles),
    }


@router.post("/auth/logout", status_code=204)
def logout(principal: CurrentPrincipal, platform: PlatformDep) -> Response:
    """End the caller's session on the server (its token stops working everywhere)."""
    if principal.session_id is None:
        raise ApiError(
            400,
            Message("request.logout_token"),
        )
    now = datetime.now(UTC)
    with platform.store.write(principal.tenant) as conn:
        if revoke_session(conn, principal.session_id, now):
            record_event(conn, LOGOUT, principal.user.id, {"session_id": principal.session_id}, now)
    return Response(status_code=204)


@router.get("/me")
def me(principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
    with platform.store.read(principal.tenant) as conn:
        roles = user_roles(conn, principal.user.id)
    return {"tenant": principal.tenant, **principal.user.as_json(roles)}
