"""Outbound messages as rows: queued with the write, sent by a job, listed for admins.

``queue`` inserts the deliveries and their ``messaging.deliver`` jobs in the
caller's transaction: if the write that asked for them rolls back, nothing
is sent. The job (``engine/messaging/jobs.py``) moves a delivery through
``queued`` → ``sent``, or ``retrying`` → … → ``sent`` / ``failed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from engine.jobs import enqueue, enqueue_many
from engine.messaging.errors import DeliveryNotFound, DeliveryNotRetryable
from engine.store.bulk import insert_many, next_ids
from engine.store.tables import deliveries

#: The job kind that sends one delivery; its payload is ``{"delivery": id}``.
DELIVER = "messaging.deliver"
#: Runs of that job before the delivery is ``failed``.
MAX_ATTEMPTS = 6
STATUSES = ("queued", "sent", "retrying", "failed")


@dataclass(frozen=True)
class Outbound:
    """One message to send: by ``channel`` to ``recipient``, from ``content``
    (the channel's templates and the values they read)."""

    channel: str
    recipient: str
    content: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    app: str | None = None
    entity: str | None = None
    record_id: int | None = None


#: The attempt log of a delivery not tried yet: one shared object, so a bulk
#: insert converts it to JSON once (``insert_many`` reuses a repeated value).
_NO_ATTEMPTS: list[Any] = []


def queue(conn: Connection, items: Sequence[Outbound], now: datetime) -> list[int]:
    """Insert the deliveries and enqueue one job each, in the caller's transaction; their ids.

    The ids are taken first (``next_ids``), so both the deliveries and their
    jobs go in through the bulk path: a bulk import's 10,000 welcome emails
    are two ``executemany`` (two ``COPY`` on PostgreSQL).
    """
    if not items:
        return []
    ids = next_ids(conn, deliveries, len(items))
    rows: list[dict[str, Any]] = [
        {
            "id": delivery_id,
            "channel": item.channel,
            "status": "queued",
            "recipient": item.recipient,
            "content": item.content,
            "rendered": None,
            "source": item.source,
            "app": item.app,
            "entity": item.entity,
            "record_id": item.record_id,
            "attempts": 0,
            "attempt_log": _NO_ATTEMPTS,
            "last_error": None,
            "job_id": None,
            "created_at": now,
            "updated_at": now,
            "sent_at": None,
        }
        for delivery_id, item in zip(ids, items, strict=True)
    ]
    insert_many(conn, deliveries, rows)
    enqueue_many(
        conn,
        DELIVER,
        [{"delivery": delivery_id} for delivery_id in ids],
        max_attempts=MAX_ATTEMPTS,
        now=now,
    )
    return ids


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def as_json(row: Any, *, full: bool = False) -> dict[str, Any]:
    item = {
        "id": row.id,
        "channel": row.channel,
        "status": row.status,
        "recipient": row.recipient,
        "source": row.source,
        "app": row.app,
        "entity": row.entity,
        "record_id": row.record_id,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": _moment(row.created_at),
        "updated_at": _moment(row.updated_at),
        "sent_at": _moment(row.sent_at),
    }
    if full:
        item.update(content=row.content, rendered=row.rendered, attempt_log=row.attempt_log)
    return item


def list_deliveries(
    conn: Connection,
    *,
    status: str | None = None,
    channel: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """Deliveries newest first, optionally of one status and channel, with the total."""
    query = select(deliveries)
    counted = select(func.count()).select_from(deliveries)
    if status is not None:
        query = query.where(deliveries.c.status == status)
        counted = counted.where(deliveries.c.status == status)
    if channel is not None:
        query = query.where(deliveries.c.channel == channel)
        counted = counted.where(deliveries.c.channel == channel)
    query = query.order_by(deliveries.c.id.desc()).offset((page - 1) * page_size)
    rows = conn.execute(query.limit(page_size)).all()
    return {
        "items": [as_json(row) for row in rows],
        "total": int(conn.scalar(counted) or 0),
        "page": page,
        "page_size": page_size,
    }


def load(conn: Connection, delivery_id: int) -> Any:
    row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()
    if row is None:
        raise DeliveryNotFound(delivery_id)
    return row


def get_delivery(conn: Connection, delivery_id: int) -> dict[str, Any]:
    """One delivery with its content, what was rendered and every attempt."""
    return as_json(load(conn, delivery_id), full=True)


def retry(conn: Connection, delivery_id: int, now: datetime) -> dict[str, Any]:
    """Queue a failed delivery again with a new job (409 unless it failed)."""
    current = load(conn, delivery_id)
    if current.status != "failed":
        raise DeliveryNotRetryable(delivery_id, current.status)
    job_id = enqueue(conn, DELIVER, {"delivery": delivery_id}, max_attempts=MAX_ATTEMPTS, now=now)
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(status="queued", job_id=job_id, updated_at=now)
    )
    return get_delivery(conn, delivery_id)


__all__ = [
    "DELIVER",
    "MAX_ATTEMPTS",
    "STATUSES",
    "Outbound",
    "as_json",
    "get_delivery",
    "list_deliveries",
    "load",
    "queue",
    "retry",
]
