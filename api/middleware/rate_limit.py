"""Rate limits: token buckets per client IP and per caller, answering 429 + Retry-After.

The buckets live in this process's memory: behind a load balancer with N
API processes the effective limit is up to N times the configured one
(docs/security.md). That is enough to stop one client from flooding a
process; a shared limit would need a shared store.

Two instances wrap the app: per IP *before* authentication, so a flood of
made-up tokens is throttled before each one costs a verification, and per
caller (tenant and user, whatever token they use) after it.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from api.middleware._asgi import ASGIApp, Receive, Scope, Send, send_problem
from engine.i18n import Message

#: Buckets kept per middleware; the least recently used are dropped beyond this.
MAX_BUCKETS = 100_000


class TokenBuckets:
    """``rate`` tokens per second refill each key's bucket of ``burst`` tokens.

    Only the event loop touches it (no awaits inside), so it needs no lock.
    """

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0 when allowed, else the seconds to wait."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1 - tokens) / self.rate
        self._buckets.move_to_end(key)
        while len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return wait


def caller(scope: Scope) -> str | None:
    """The authenticated caller, as the authentication middleware left it."""
    principal = scope.get("state", {}).get("principal")
    if principal is None:
        return None
    return f"{principal.tenant}/{principal.user.id}"


class RateLimit:
    def __init__(
        self,
        app: ASGIApp,
        buckets: TokenBuckets,
        key: Callable[[Scope], str | None],
        who: str,
    ) -> None:
        self.app = app
        self.buckets = buckets
        self.key = key
        self.who = who

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self.key(scope) if scope["type"] == "http" else None
        if key is not None:
            wait = self.buckets.take(key)
            if wait > 0:
                await send_problem(
                    send,
                    429,
                    Message("request.rate_limited", who=Message(f"request.who_{self.who}")),
                    headers={"retry-after": str(max(1, math.ceil(wait)))},
                    scope=scope,
                )
                return
        await self.app(scope, receive, send)
