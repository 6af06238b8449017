"""Small ASGI helpers shared by the middlewares: answering with problem+json.

A middleware answers before any route, so it negotiates the reader's language
itself: ``send_problem`` reads the request's ``Accept-Language`` from the
scope and renders the problem as ``api.problems`` does for routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.problems import localize
from engine.errors import problem_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: FastAPI's interactive docs and the schema they read.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (``name`` in lower case), decoded as latin-1."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    *,
    scope: Scope | None = None,
) -> None:
    """Send a whole problem+json answer (RFC 9457) straight from a middleware,
    in the language the request of ``scope`` asks for (English without one)."""
    language = header(scope, b"accept-language") if scope is not None else None
    payload = json.dumps(localize(problem_body(status, detail, errors), language)).encode()
    raw = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if status == 401:
        raw.append((b"www-authenticate", b"Bearer"))
    for key, value in (headers or {}).items():
        raw.append((key.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
