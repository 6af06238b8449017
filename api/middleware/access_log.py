"""One JSON line per request on the ``formwork.access`` logger, and ``X-Request-ID``.

The line never holds a query string (it may carry ``sig`` or a token), a
header value other than the request id, or a body. Tenant and user come
from the principal the authentication middleware put on the scope.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from api.middleware._asgi import ASGIApp, Message, Receive, Scope, Send, header

log = logging.getLogger("formwork.access")

#: An incoming id is kept only if it is this tame: it goes into logs and headers.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is sane, else a new random one."""
    incoming = header(scope, b"x-request-id")
    if incoming is not None and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class AccessLog:
    """Outermost middleware: times the request and logs what was answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope["state"] = {**scope.get("state", {}), "request_id": rid}
        started = time.perf_counter()
        status = 0
        size = 0

        async def logging_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        finally:
            state = scope.get("state", {})
            principal = state.get("principal")
            client = scope.get("client")
            entry = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "request_id": rid,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "bytes": size,
                "ip": client[0] if client else None,
                "tenant": getattr(principal, "tenant", None),
                "user": getattr(getattr(principal, "user", None), "id", None),
            }
            log.info(json.dumps(entry))


def log_to_stdout() -> None:
    """Print access lines (and other ``formwork`` INFO lines) on stdout, one JSON
    object a line, when nothing else has configured the ``formwork`` loggers."""
    root = logging.getLogger("formwork")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
