"""A request body that stalls or trickles (slow-loris) is cut off with 408.

Before, a client sending one byte a second held its connection open for as
long as it liked: nothing bounded how long a body may take to arrive.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.requests import Request

from api.middleware.body_limit import BodyLimit, BodyLimits

Message = MutableMapping[str, Any]

LIMITS = BodyLimits(
    json=1024, bulk=1024, upload=1024, idle_seconds=0.3, total_seconds=5.0, json_total_seconds=1.0
)


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """An app that reads the body, then waits on ``receive`` like a streaming answer."""
    body = await Request(scope, receive).body()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body, "more_body": True})
    message = await receive()  # a disconnect listener waits here, long after the body
    assert message["type"] == "http.disconnect"
    await send({"type": "http.response.body", "body": b""})


def _call(receive: Callable[[], Awaitable[Message]]) -> tuple[int, dict[str, Any], float]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/apps/x/y",
        "headers": [(b"content-type", b"application/json")],
        "query_string": b"",
    }
    started = time.monotonic()

    async def main() -> None:
        with anyio.fail_after(10):  # the test's own bound: never hang
            await BodyLimit(echo, LIMITS)(scope, receive, send)

    anyio.run(main)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answer = json.loads(body) if start["status"] != 200 else {"body": body.decode()}
    return start["status"], answer, time.monotonic() - started


def test_a_stalled_body_is_408_after_the_idle_time() -> None:
    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"{", "more_body": True}
        await anyio.sleep(3600)
        raise AssertionError("unreachable")

    status, answer, took = _call(receive)
    assert status == 408
    assert answer["errors"][0]["field"] == "body"
    assert 0.25 < took < 0.9


def test_a_trickled_body_is_408_after_the_total_time() -> None:
    async def receive() -> Message:
        await anyio.sleep(0.1)  # never idle long enough, never done
        return {"type": "http.request", "body": b" ", "more_body": True}

    status, _, took = _call(receive)
    assert status == 408
    assert 0.9 < took < 2.0


def test_waiting_after_a_complete_body_is_not_timed() -> None:
    calls = 0

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await anyio.sleep(1.2)  # longer than both limits: the answer is streaming
        return {"type": "http.disconnect"}

    status, answer, _ = _call(receive)
    assert status == 200
    assert answer == {"body": "{}"}
