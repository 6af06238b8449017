"""Refuse NUL characters in the path and query string, naming the parameter.

PostgreSQL text cannot hold NUL (``\\x00``): a file id or a filter value with
one made the driver raise (a 500) wherever it reached a query. No URL of
this API has a use for it, so it is refused at the edge for every route.
JSON bodies are the validators' business (their strings reach typed fields);
``problems.py`` still turns a database ``DataError`` into a 422 as a net.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from api.middleware._asgi import ASGIApp, Receive, Scope, Send, send_problem
from engine.i18n import Message

MESSAGE = Message("request.nul")


def nul_parameters(scope: Scope) -> list[str]:
    """The names of the path and query parameters that hold a NUL character."""
    found = ["path"] if "\x00" in scope.get("path", "") else []
    query = bytes(scope.get("query_string", b""))
    if b"\x00" in query or b"%00" in query.lower():
        text = query.decode("latin-1")
        for name, value in parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="replace"
        ):
            if "\x00" in name or "\x00" in value:
                found.append(name.replace("\x00", "") or "query")
        found = found or ["query"]
    return found


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            names = nul_parameters(scope)
            if names:
                errors: list[dict[str, Any]] = [
                    {"field": name, "message": MESSAGE, "label": name}
                    for name in dict.fromkeys(names)
                ]
                await send_problem(send, 422, Message("request.invalid"), errors, scope=scope)
                return
        await self.app(scope, receive, send)
