"""Logging in, who am I, and API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentPrincipal, PlatformDep
from api.problems import ApiError
from engine.accounts.tokens import create_api_token
from engine.accounts.users import authenticate, user_roles

router = APIRouter(prefix="/api", tags=["auth"])


class LoginRequest(BaseModel):
    tenant: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenRequest(BaseModel):
    name: str = Field(default="api", min_length=1, max_length=100)


@router.post("/auth/login")
def login(body: LoginRequest, platform: PlatformDep) -> dict[str, Any]:
    failure = ApiError(401, "unknown tenant, user name or password")
    if not platform.store.tenant_exists(body.tenant):
        platform.passwords.hash(body.password)  # same cost as a wrong password
        raise failure
    with platform.store.read(body.tenant) as conn:
        user = authenticate(conn, platform.passwords, body.username, body.password)
        if user is None:
            raise failure
        roles = user_roles(conn, user.id)
    return {
        "access_token": platform.sessions.issue(body.tenant, user.id),
        "token_type": "bearer",
        "tenant": body.tenant,
        "user": user.as_json(roles),
    }


@router.get("/me")
def me(principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
    with platform.store.read(principal.tenant) as conn:
        roles = user_roles(conn, principal.user.id)
    return {"tenant": principal.tenant, **principal.user.as_json(roles)}


@router.post("/tokens", status_code=201)
def new_token(
    principal: CurrentPrincipal, platform: PlatformDep, body: TokenRequest | None = None
) -> dict[str, str]:
    name = body.name if body else "api"
    with platform.store.write(principal.tenant) as conn:
        token = create_api_token(conn, principal.tenant, principal.user.id, name)
    return {"token": token, "name": name}
