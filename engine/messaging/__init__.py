"""Messaging, a kernel service: in-app notifications and outbound deliveries.

Engines that produce messages (rules now, flows later) use this façade:

* ``notify(conn, user_ids, title=, body=, app=, entity=, record_id=, source=, now=)``
  — in-app notifications in the caller's transaction (one statement);
* ``queue(conn, [Outbound(channel, recipient, content, …)], now)`` —
  deliveries and their ``messaging.deliver`` jobs in the caller's
  transaction: nothing leaves the machine unless the write commits;
* ``register(kinds, mail_sink=)`` — the job kind, from the start-up list.

Channels are one class each (``engine/messaging/channels/``), registered in
``channels/registry.py``; their settings live in ``settings.py``.
"""

from engine.messaging.channels.registry import catalogue, register_channels
from engine.messaging.deliveries import DELIVER, Outbound, queue
from engine.messaging.jobs import register
from engine.messaging.notifications import notify, unread_count

__all__ = [
    "DELIVER",
    "Outbound",
    "catalogue",
    "notify",
    "queue",
    "register",
    "register_channels",
    "unread_count",
]
