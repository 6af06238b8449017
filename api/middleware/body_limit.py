"""Request size limits per route class, enforced before and while the body is read.

* A ``Content-Length`` above the limit answers 413 before one byte of the
  body is read.
* A body without one (chunked) or one that lies is counted as it streams
  in: when it passes the limit the middleware answers 413 itself, tells
  the app the client went away, and drops whatever the app sends after.
* A body that stalls or trickles (slow-loris) is cut off with 408: no byte
  for ``idle_seconds``, or not complete within ``total_seconds``
  (``json_total_seconds`` for JSON). Only while the body is incomplete:
  afterwards ``receive`` is how the app hears of a disconnect during a long
  answer, and must not time out.

Route classes: uploads (multipart to ``/api/files``, ``…/import``), bulk
(``POST …/bulk``: up to 10,000 records) and everything else (JSON).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import anyio

from api.middleware._asgi import ASGIApp, Message, Receive, Scope, Send, header, send_problem
from api.settings import Settings
from engine import i18n

KIB = 1024
MIB = 1024 * 1024


#: Seconds a request body may go without a byte arriving.
BODY_IDLE_SECONDS = 30.0
#: Seconds a whole request body may take (a 50 MiB upload at 200 KiB/s fits);
#: a JSON body (at most 1 MiB by default) gets ``JSON_TOTAL_SECONDS``.
BODY_TOTAL_SECONDS = 300.0
JSON_TOTAL_SECONDS = 60.0


@dataclass(frozen=True)
class BodyLimits:
    json: int
    bulk: int
    upload: int
    idle_seconds: float = BODY_IDLE_SECONDS
    total_seconds: float = BODY_TOTAL_SECONDS
    json_total_seconds: float = JSON_TOTAL_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            json=settings.max_json_kb * KIB,
            bulk=settings.max_bulk_mb * MIB,
            upload=settings.max_upload_mb * MIB,
        )

    def for_request(self, method: str, path: str) -> tuple[str, int]:
        """The route class of a request and its limit in bytes."""
        if method == "POST" and (path == "/api/files" or path.endswith("/import")):
            return "upload", self.upload
        if method == "POST" and path.endswith("/bulk"):
            return "bulk", self.bulk
        return "json", self.json


SLOW_DETAIL = i18n.Message("request.too_slow")
SLOW_ERRORS = [{"field": "body", "message": i18n.Message("request.too_slow_field")}]


def _describe(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit // KIB} KiB"


class BodyLimit:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind, limit = self.limits.for_request(scope["method"], scope["path"])
        size = _describe(limit)
        detail = i18n.Message(
            "request.body_too_large", kind=i18n.Message(f"request.kind_{kind}"), limit=size
        )
        errors = [{"field": "body", "message": i18n.Message("request.body_max", limit=size)}]
        declared = header(scope, b"content-length")
        if declared is not None:
            if not declared.isascii() or not declared.isdigit():
                await send_problem(send, 400, i18n.Message("request.content_length"), scope=scope)
                return
            if int(declared) > limit:
                await send_problem(send, 413, detail, errors, {"connection": "close"}, scope=scope)
                return
        received = 0
        refused = complete = started = False
        total = self.limits.json_total_seconds if kind == "json" else self.limits.total_seconds
        deadline = time.monotonic() + total

        async def refuse(status: int, why: str, field_errors: list[dict[str, Any]]) -> Message:
            nonlocal refused
            refused = True
            if not started:
                closing = {"connection": "close"}
                await send_problem(send, status, why, field_errors, closing, scope=scope)
            return {"type": "http.disconnect"}

        async def counting_receive() -> Message:
            nonlocal received, complete
            if refused:
                return {"type": "http.disconnect"}
            if complete:
                return await receive()
            wait = min(self.limits.idle_seconds, deadline - time.monotonic())
            message: Message | None = None
            with anyio.move_on_after(max(wait, 0.0)):
                message = await receive()
            if message is None:
                return await refuse(408, SLOW_DETAIL, SLOW_ERRORS)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    return await refuse(413, detail, errors)
                complete = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = True
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The app failed because we cut its body off; the 413 is already sent.
