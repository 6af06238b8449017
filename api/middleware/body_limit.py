"""Request size limits per route class, enforced before and while the body is read.

* A ``Content-Length`` above the limit answers 413 before one byte of the
  body is read.
* A body without one (chunked) or one that lies is counted as it streams
  in: when it passes the limit the middleware answers 413 itself, tells
  the app the client went away, and drops whatever the app sends after.

Route classes: uploads (multipart to ``/api/files``, ``…/import``), bulk
(``POST …/bulk``: up to 10,000 records) and everything else (JSON).
"""

from __future__ import annotations

from dataclasses import dataclass

from api.middleware._asgi import ASGIApp, Message, Receive, Scope, Send, header, send_problem
from api.settings import Settings

KIB = 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class BodyLimits:
    json: int
    bulk: int
    upload: int

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
        detail = f"a {kind} request body may be at most {_describe(limit)}"
        errors = [{"field": "body", "message": f"must be at most {_describe(limit)}"}]
        declared = header(scope, b"content-length")
        if declared is not None:
            if not declared.isascii() or not declared.isdigit():
                await send_problem(send, 400, "Content-Length must be a number of bytes")
                return
            if int(declared) > limit:
                await send_problem(send, 413, detail, errors, {"connection": "close"})
                return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await send_problem(send, 413, detail, errors, {"connection": "close"})
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The app failed because we cut its body off; the 413 is already sent.
