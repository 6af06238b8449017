"""Security headers: a Content-Security-Policy on the web app, no-store on the API.

The policy is the one the built web app really runs under (a browser test,
tests/browser/test_csp.py, opens the CRM and fails on any violation):
scripts only from our origin; ``style-src 'unsafe-inline'`` because antd
(CSS-in-JS) injects ``<style>`` elements at run time; images also as
``data:``/``blob:`` (icons, previews of uploads before they are sent).
A header a route set itself is kept (a download may choose its own).
"""

from __future__ import annotations

from api.middleware._asgi import DOCS_PATHS, ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: On every answer.
COMMON = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
    b"x-frame-options": b"DENY",
}
#: On API answers: they carry one user's data, so no cache may keep them.
API = {b"cache-control": b"no-store"}
#: On the web app (index.html and its assets).
WEB = {b"content-security-policy": CONTENT_SECURITY_POLICY.encode()}


def is_api_path(path: str) -> bool:
    # The docs load Swagger UI / ReDoc from a CDN with inline scripts, so the
    # app's CSP would break them; they get the API headers instead.
    return path == "/api" or path.startswith("/api/") or path in DOCS_PATHS


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**COMMON, **(API if is_api_path(scope["path"]) else WEB)}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(key).lower() for key, _ in headers}
                headers.extend((k, v) for k, v in extra.items() if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
