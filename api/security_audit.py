"""Permission refusals (403) go to the caller's tenant audit log.

The error handlers of api/problems.py call ``record_refusal`` for every 403.
It runs after the refused request's own transaction has rolled back, writes
in its own short transaction, is bounded per user
(``engine.accounts.security_events.record_refusal``), and never turns the 403
into another error.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from anyio import to_thread
from starlette.requests import Request

from engine.accounts.principals import Principal
from engine.accounts.security_events import record_refusal as write_refusal

log = logging.getLogger("formwork.security")


async def record_refusal(request: Request) -> None:
    """Record that the authenticated caller of ``request`` was refused (no-op for anonymous)."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        return
    platform = request.app.state.platform
    method, path = request.method, request.url.path

    def write() -> None:
        with platform.store.write(principal.tenant) as conn:
            write_refusal(conn, principal.user.id, method, path, datetime.now(UTC))

    try:
        await to_thread.run_sync(write)
    except Exception:  # the refusal itself must still be answered
        log.warning("could not record a permission refusal", exc_info=True)
