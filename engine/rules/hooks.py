"""This engine's entries in the start-up list: its subscriber, its after-write hook.

``register(hooks, store)`` subscribes the rule engine to the record events
(``engine.rules.subscriber.on_events``, a batch subscriber) and lets the store write the log of
failed runs after their transaction ended (``engine.rules.runs``).
"""

from __future__ import annotations

from engine.forms import Hooks, RecordPurged
from engine.rules import registry
from engine.rules.runs import write_failures
from engine.rules.subscriber import EVENTS, on_events
from engine.rules.timers import follow
from engine.store import Store


def register(hooks: Hooks, store: Store) -> None:
    registry.register_builtins()
    hooks.subscribe_batches(EVENTS, on_events)
    # A purged record's timers go with it (no rule listens to purges).
    hooks.subscribe((RecordPurged,), follow)
    if write_failures not in store.after_write:
        store.after_write.append(write_failures)


__all__ = ["register"]
