"""The ``Idempotency-Key`` header on write routes (``engine.store.idempotency``).

A route takes ``Idempotent`` and, inside its unit of work, asks it for a
stored answer before writing and hands it the answer after::

    with platform.store.write(tenant) as conn:
        replay = idempotent.replay(conn, body)
        if replay is not None:
            return replay
        ...                                   # the write
        return idempotent.answer(conn, JSONResponse(result, 201))

Without the header both calls do nothing, so a route behaves as before.
A replayed answer carries ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from sqlalchemy import Connection

from api.deps import CurrentPrincipal
from engine.store.idempotency import (
    StoredAnswer,
    parse_key,
    remember_answer,
    request_hash,
    stored_answer,
)

REPLAYED = "Idempotent-Replayed"


@dataclass
class IdempotencyGate:
    """One request's key (None: no header), its user and what it asks."""

    key: str | None
    user_id: int
    request: str
    fingerprint: str = ""

    def replay(self, conn: Connection, body: Any) -> Response | None:
        """The first answer to this key, or None: run the request."""
        if self.key is None:
            return None
        self.fingerprint = request_hash(body)
        now = datetime.now(UTC)
        found = stored_answer(conn, self.user_id, self.key, self.request, self.fingerprint, now)
        if found is None:
            return None
        return Response(
            found.body,
            found.status,
            media_type="application/json",
            headers={REPLAYED: "true"},
        )

    def answer(self, conn: Connection, response: Response) -> Response:
        """Store ``response`` as this key's answer (in ``conn``'s transaction); return it."""
        if self.key is not None:
            stored = StoredAnswer(response.status_code, bytes(response.body).decode())
            now = datetime.now(UTC)
            remember_answer(
                conn, self.user_id, self.key, self.request, self.fingerprint, stored, now
            )
        return response


def idempotency_gate(
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> IdempotencyGate:
    key = None if idempotency_key is None else parse_key(idempotency_key)
    return IdempotencyGate(key, principal.user.id, f"{request.method} {request.url.path}")


Idempotent = Annotated[IdempotencyGate, Depends(idempotency_gate)]
