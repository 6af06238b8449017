"""The job kind ``messaging.deliver``: render one delivery, send it, record how it went.

Non-transactional (it talks to the outside world, outside any database
transaction), so it may run twice: a delivery already ``sent`` is skipped.
Each attempt appends ``{at, outcome, error, status_code, answer}`` to the
attempt log in a short transaction of its own.

* A template that fails (``TemplateFailed``, ``TemplateError``) fails the
  delivery at once: retrying cannot fix it.
* ``RetryableFailure`` marks it ``retrying`` and raises, so the runner
  retries with backoff; on the last attempt it is ``failed`` instead.
* ``PermanentFailure`` fails it at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from engine.jobs import JobContext, JobKinds
from engine.messaging.channels.base import (
    Channel,
    DeliveryFailure,
    Message,
    PermanentFailure,
    RetryableFailure,
    TemplateFailed,
)
from engine.messaging.channels.email import EmailChannel
from engine.messaging.channels.registry import CHANNELS, register_channels
from engine.messaging.deliveries import DELIVER, MAX_ATTEMPTS
from engine.messaging.settings import get_settings
from engine.registry import UnknownKeyError
from engine.store import Store
from engine.store.tables import deliveries
from engine.templating import TemplateError, render

#: Characters of an error kept in the attempt log and ``last_error``.
ERROR_CHARS = 2000


class SandboxRenderer:
    """The ``Renderer`` channels get: the sandbox, its limits, and its errors as
    ``TemplateFailed``."""

    def __init__(self, time_limit_s: float = 1.0, max_output_chars: int = 200_000) -> None:
        self.time_limit_s = time_limit_s
        self.max_output_chars = max_output_chars

    def __call__(self, template: str, values: Mapping[str, Any]) -> str:
        try:
            return render(
                template,
                values,
                time_limit_s=self.time_limit_s,
                max_output_chars=self.max_output_chars,
            )
        except TemplateError as err:
            raise TemplateFailed(err.message) from None


class Deliverer:
    """The handler of ``messaging.deliver``; ``mail_sink`` is where e-mail goes
    when a tenant has no SMTP server (demo mode), or None."""

    def __init__(self, *, mail_sink: Path | None, renderer: SandboxRenderer | None = None) -> None:
        self.mail_sink = mail_sink
        self.renderer = renderer or SandboxRenderer()

    def channel(self, key: str, tenant: str, delivery_id: int) -> Channel:
        register_channels()
        found = CHANNELS.get(key)
        if issubclass(found, EmailChannel):
            sink = self.mail_sink / tenant / f"{delivery_id}.eml" if self.mail_sink else None
            return found(sink_file=sink)
        return found()

    def __call__(self, ctx: JobContext) -> dict[str, Any]:
        delivery_id = int(ctx.payload["delivery"])
        with ctx.store.read(ctx.tenant) as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
            if row is None:
                return {"skipped": "the delivery no longer exists"}
            if row.status == "sent":
                return {"skipped": "already sent"}
            settings = get_settings(conn, row.channel)
        last = ctx.attempt >= MAX_ATTEMPTS
        record = _Recorder(ctx.store, ctx.tenant, delivery_id)
        try:
            channel = self.channel(row.channel, ctx.tenant, delivery_id)
            message = channel.render(row.recipient, row.content or {}, self.renderer)
        except (TemplateError, DeliveryFailure) as err:
            # TemplateFailed is a PermanentFailure: nothing here is worth a retry.
            record.attempt("failed", _message(err), None, status="failed")
            return {"status": "failed"}
        except UnknownKeyError as err:
            record.attempt("failed", str(err), None, status="failed")
            return {"status": "failed"}
        record.rendered(message)
        try:
            answer = channel.send(message, settings)
        except PermanentFailure as err:
            record.attempt("failed", err.message, err.status_code, status="failed")
            return {"status": "failed"}
        except Exception as err:  # a RetryableFailure, or anything unforeseen on the way out
            code = err.status_code if isinstance(err, RetryableFailure) else None
            text = err.message if isinstance(err, RetryableFailure) else _message(err)
            record.attempt("retry", text, code, status="failed" if last else "retrying")
            if last:
                return {"status": "failed"}
            raise
        record.attempt("sent", None, None, status="sent", answer=answer)
        return {"status": "sent", "answer": answer}


def _message(err: BaseException) -> str:
    text = getattr(err, "message", None) or str(err) or err.__class__.__name__
    return str(text)[:ERROR_CHARS]


class _Recorder:
    """Writes what happened to one delivery, each in a short transaction."""

    def __init__(self, store: Store, tenant: str, delivery_id: int) -> None:
        self.store = store
        self.tenant = tenant
        self.delivery_id = delivery_id

    def rendered(self, message: Message) -> None:
        rendered = {"recipient": message.recipient, **dict(message.parts)}
        with self.store.write(self.tenant) as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == self.delivery_id)
                .values(rendered=rendered, updated_at=datetime.now(UTC))
            )

    def attempt(
        self,
        outcome: str,
        error: str | None,
        status_code: int | None,
        *,
        status: str,
        answer: str | None = None,
    ) -> None:
        now = datetime.now(UTC)
        entry = {
            "at": now.isoformat(),
            "outcome": outcome,
            "error": error[:ERROR_CHARS] if error else None,
            "status_code": status_code,
            "answer": answer,
        }
        with self.store.write(self.tenant) as conn:
            log = conn.scalar(
                select(deliveries.c.attempt_log).where(deliveries.c.id == self.delivery_id)
            )
            values: dict[str, Any] = {
                "status": status,
                "attempts": deliveries.c.attempts + 1,
                "attempt_log": [*(log or []), entry],
                "updated_at": now,
            }
            if error is not None:
                values["last_error"] = entry["error"]
            if status == "sent":
                values["sent_at"] = now
            conn.execute(
                update(deliveries).where(deliveries.c.id == self.delivery_id).values(**values)
            )


def register(kinds: JobKinds, *, mail_sink: Path | None) -> None:
    """Add ``messaging.deliver`` (backoff from about 10 s, 6 attempts)."""
    register_channels()
    kinds.register(
        DELIVER,
        Deliverer(mail_sink=mail_sink),
        transactional=False,
        max_attempts=MAX_ATTEMPTS,
        backoff_seconds=10.0,
    )


__all__ = ["Deliverer", "SandboxRenderer", "register"]
