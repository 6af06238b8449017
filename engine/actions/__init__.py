"""Record actions: buttons on a record that the engine runs from the app definition.

Lead conversion, claiming from the pool, returning to it: each is data in
the definition (``AppDefinition.actions``, ``AppDefinition.pools``), run by
one registered class per action ``type`` — no CRM logic in Python.

Contract (what the API and the jobs code against)::

    ctx = ActionContext.for_user(conn, runtime, user, now)   # or .system(conn, runtime, now)
    available_actions(ctx, "lead", 12)        # [{"key", "type", "label", "input", …}]
    run_action(ctx, "lead", 12, "convert", params)
        # → {"action", "type", "record", "created", "reused", "skipped", "updated"}
    return_stale(ActionContext.system(…), runtime, "lead_pool")   # one batch
    run_pool_jobs(write, runtime_of, now)     # every pool of every app of a tenant

Errors: ``UnknownAction`` and ``RecordNotFound`` (404), ``AccessDenied`` (403),
``ActionUnavailable`` (409: a ``Conflict``), ``RecordInvalid`` (422). Nothing
here commits: the caller's unit of work does, so an action is all or nothing.

| module | what it holds |
|---|---|
| ``base.py`` | the ``ActionType`` contract, ``ActionResult``, input and write helpers |
| ``registry.py`` | the registry of types and the publish-time ``check_actions`` |
| ``convert.py`` ``claim.py`` ``assign.py`` ``return_to_pool.py`` ``set_fields.py`` | a type each |
| ``values.py`` | the value grammar of ``map``/``set``/``update`` and its type checks |
| ``pools.py`` | pool rules shared by the pool actions, ``check_pools`` |
| ``stale.py`` | the automatic return to the pool (``formwork jobs run``) |
| ``jobs.py`` | the automatic return as the job kind ``actions.pool_return`` and its schedule |
| ``runner.py`` | listing and running actions: the order of checks, locking, audit |
| ``context.py``, ``checks.py``, ``errors.py`` | run and check contexts, errors |

See docs/actions.md.
"""

from __future__ import annotations

from engine.actions.context import ActionContext, RecordState
from engine.actions.errors import ActionUnavailable, UnknownAction
from engine.actions.pools import check_pools, pool_reach, visible_pool_records
from engine.actions.registry import action_types, check_actions
from engine.actions.runner import available_actions, run_action
from engine.actions.stale import PoolRun, StaleReturn, return_stale, run_pool_jobs

__all__ = [
    "ActionContext",
    "ActionUnavailable",
    "PoolRun",
    "RecordState",
    "StaleReturn",
    "UnknownAction",
    "action_types",
    "available_actions",
    "check_actions",
    "check_pools",
    "pool_reach",
    "return_stale",
    "run_action",
    "run_pool_jobs",
    "visible_pool_records",
]
