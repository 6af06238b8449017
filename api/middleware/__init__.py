"""The HTTP edge: pure-ASGI middlewares that run before any route.

``install`` wraps the FastAPI app; see its docstring for the order and why.
One module per concern: ``access_log``, ``headers``, ``errors``,
``body_limit``, ``nul_bytes``, ``rate_limit``, ``authentication``.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.client_ip import client_ip
from api.middleware.access_log import AccessLog
from api.middleware.authentication import Authenticate
from api.middleware.body_limit import BodyLimit, BodyLimits
from api.middleware.errors import CatchErrors
from api.middleware.headers import SecurityHeaders
from api.middleware.nul_bytes import RefuseNul
from api.middleware.rate_limit import RateLimit, TokenBuckets, caller
from api.platform import Platform
from api.settings import Settings


def install(app: FastAPI, settings: Settings, platform: Platform) -> None:
    """Wrap ``app`` in the edge middlewares, outermost first:

    1. ``AccessLog`` — sees every answer, including the ones below produce,
       and stamps ``X-Request-ID``.
    2. ``SecurityHeaders`` — so 413/401/429/500 answers carry them too.
    3. ``CatchErrors`` — an unexpected error becomes a 500 here, inside
       Starlette's ServerErrorMiddleware, so the connection stays open.
    4. ``BodyLimit`` — the cheapest refusal, and it must wrap everything that
       could read the body; a declared oversize body is refused unread.
    5. ``RefuseNul`` — no NUL in the path or query reaches a route (PostgreSQL
       text cannot hold one).
    6. ``RateLimit`` per IP — before authentication, so a flood of made-up
       tokens is throttled before each costs a verification.
    7. ``Authenticate`` — the 401 comes before the app reads or parses a body.
    8. ``RateLimit`` per caller — needs the principal that 7 found.
    """
    # add_middleware puts each new one outside the previous: add innermost first.
    if settings.rate_user_per_second > 0:
        buckets = TokenBuckets(settings.rate_user_per_second, settings.rate_user_burst)
        app.add_middleware(RateLimit, buckets=buckets, key=caller, who="user")
    app.add_middleware(
        Authenticate, platform=platform, public_docs=settings.demo or settings.public_docs
    )
    if settings.rate_ip_per_second > 0:
        buckets = TokenBuckets(settings.rate_ip_per_second, settings.rate_ip_burst)
        proxies = settings.trusted_proxies
        app.add_middleware(
            RateLimit, buckets=buckets, key=lambda scope: client_ip(scope, proxies), who="address"
        )
    app.add_middleware(RefuseNul)
    app.add_middleware(BodyLimit, limits=BodyLimits.from_settings(settings))
    app.add_middleware(CatchErrors)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
