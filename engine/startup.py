"""The start-up list: every engine's hooks and job kinds, registered in one place.

``register_builtins(hooks, jobs, runtime_of, store)`` is called once per process by
the composition root (``engine.platform.Platform``); nothing registers a hook
or a job kind at import time. A new engine (flows, rules, reports, print)
adds its ``register`` calls here, and this list is where to read what runs.

Field types, operators, measures and action types are process-wide
registries filled by each engine's own ``register_builtins()`` when its
registry module is imported (``engine/forms/registry.py``,
``engine/forms/filters/operators.py``, ``engine/forms/aggregate.py``,
``engine/actions/registry.py``); they need no platform, so they stay there.
"""

from __future__ import annotations

from pathlib import Path

from engine import messaging
from engine.actions import hooks as action_hooks
from engine.actions import jobs as action_jobs
from engine.forms import Hooks
from engine.jobs import JobKinds
from engine.rules import clock as rule_clock
from engine.rules import hooks as rule_hooks
from engine.store import Store


def register_hooks(hooks: Hooks, store: Store) -> None:
    """Each engine's write guards, subscribers and read-scope contributors, in order."""
    action_hooks.register(hooks)
    rule_hooks.register(hooks, store)


def register_job_kinds(
    kinds: JobKinds,
    runtime_of: action_jobs.RuntimeOf,
    hooks: Hooks,
    *,
    mail_sink: Path | None = None,
) -> None:
    """Each engine's job kinds and periodic schedules, in order."""
    action_jobs.register(kinds, runtime_of, hooks)
    messaging.register(kinds, mail_sink=mail_sink)
    rule_clock.register(kinds, runtime_of, hooks)


def register_builtins(
    hooks: Hooks,
    kinds: JobKinds,
    runtime_of: action_jobs.RuntimeOf,
    store: Store,
    *,
    mail_sink: Path | None = None,
) -> None:
    """The whole start-up list: hooks first, since job handlers write with them."""
    register_hooks(hooks, store)
    register_job_kinds(kinds, runtime_of, hooks, mail_sink=mail_sink)


__all__ = ["register_builtins", "register_hooks", "register_job_kinds"]
