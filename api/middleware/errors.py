"""The last resort: an unexpected error answers problem+json 500 and keeps the connection.

Why not ``@app.exception_handler(Exception)``: Starlette runs that handler in
its outermost ``ServerErrorMiddleware``, which sends the handler's answer and
then *re-raises* the exception (so that servers and test clients see it).
uvicorn, seeing an exception escape the app after the response started,
logs "Exception in ASGI application" and closes the transport: the client's
keep-alive connection is dropped without a ``Connection: close``, and a
client that pipelines or reuses it gets a reset on its next request.
Catching the error here, inside ServerErrorMiddleware, answers the 500
ourselves and returns normally, so uvicorn keeps the connection open.
"""

from __future__ import annotations

import logging

from api.middleware._asgi import ASGIApp, Message, Receive, Scope, Send, send_problem
from engine import i18n

log = logging.getLogger("formwork.api")


class CatchErrors:
    """Answer any exception that escapes the app with a problem+json 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        finished = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as err:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                detail = i18n.Message("request.unexpected")
                await send_problem(send, 500, detail, scope=scope)
            elif not finished:
                # Half a response is on the wire: only closing the connection
                # tells the client it is truncated, so let the server do that.
                raise err from None
