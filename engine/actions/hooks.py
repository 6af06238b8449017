"""This engine's entry in the start-up list of hooks (``engine.forms.hooks``).

The pools a user sees join their read scope: a rep whose scope is ``own``
still lists and opens the pool's leads. Registered as a read-scope
contributor, so the code that opens records (the API, file access) asks the
hooks and knows nothing of pools. Likewise the pool's ``hidden_fields`` are
masked as a field-mask contributor until a record is claimed.
"""

from __future__ import annotations

from engine.actions.pools import pool_masks, pool_reach
from engine.forms import Hooks


def register(hooks: Hooks) -> None:
    hooks.read_scope(pool_reach)
    hooks.field_mask(pool_masks)


__all__ = ["register"]
