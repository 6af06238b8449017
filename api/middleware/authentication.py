"""Authenticate before the body is read.

FastAPI reads and parses a request body before it solves the route's
dependencies, so without this an anonymous 100 MB JSON body is parsed in
full before ``current_principal`` answers 401. Here the ``Authorization``
header is verified (``api.deps.authenticate``, in a worker thread: it may
read the tenant's database) before the app is called at all, and the
principal is put on ``scope["state"]`` where ``current_principal`` finds it
(``request.state.principal``) instead of verifying the token again.
"""

from __future__ import annotations

from anyio import to_thread

from api.deps import authenticate
from api.middleware._asgi import (
    DOCS_PATHS,
    ASGIApp,
    Receive,
    Scope,
    Send,
    header,
    send_problem,
)
from api.platform import Platform
from api.problems import ApiError
from engine.accounts.tokens import InvalidToken

#: API paths anyone may call: logging in and the load balancer's probe.
PUBLIC_API_PATHS = frozenset({"/api/auth/login", "/api/health"})


def _has_signature(scope: Scope) -> bool:
    query = bytes(scope.get("query_string", b""))
    return any(part.split(b"=", 1)[0] == b"sig" for part in query.split(b"&"))


def needs_principal(scope: Scope, public_docs: bool) -> bool:
    """Whether the request must carry a valid bearer token before the app sees it."""
    path: str = scope["path"]
    if path in DOCS_PATHS:
        # Public only in demo mode or with FORMWORK_PUBLIC_DOCS=1; otherwise the
        # bearer header is required, as for the API (docs/security.md).
        return not public_docs
    if not (path == "/api" or path.startswith("/api/")):
        return False  # the web app and its assets
    if path in PUBLIC_API_PATHS:
        return False
    # A signed download link authorises itself (api/routes/files.py checks the signature).
    return not (
        path.startswith("/api/files/")
        and scope["method"] in ("GET", "HEAD")
        and _has_signature(scope)
    )


class Authenticate:
    def __init__(self, app: ASGIApp, platform: Platform, public_docs: bool) -> None:
        self.app = app
        self.platform = platform
        self.public_docs = public_docs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not needs_principal(scope, self.public_docs):
            await self.app(scope, receive, send)
            return
        authorization = header(scope, b"authorization")
        try:
            principal = await to_thread.run_sync(authenticate, self.platform, authorization)
        except InvalidToken as err:
            await send_problem(send, 401, err.problem_detail(), scope=scope)
            return
        except ApiError as err:
            await send_problem(send, err.status, err.detail, err.errors, scope=scope)
            return
        scope["state"] = {**scope.get("state", {}), "principal": principal}
        await self.app(scope, receive, send)
