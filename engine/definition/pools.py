"""Pools (公海池) of ownerless records, with their claim, assign and return rules."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.definition.actions import ValueMap
from engine.definition.common import Key, Label, Strict


class PoolClaim(Strict):
    """Taking a record out of the pool oneself."""

    #: Who may claim; empty: anyone who sees the pool.
    roles: list[Key] = Field(default_factory=list)
    #: One may not claim again a record one gave back (or lost to the
    #: automatic return) within this many days.
    reclaim_after_days: int | None = Field(default=None, ge=1, le=365)
    #: Written on a claim, e.g. ``{"assigned_at": "=NOW()"}``.
    set: ValueMap = Field(default_factory=dict)


class PoolAssign(Strict):
    """Giving a record of the pool to someone else."""

    #: Who may assign; empty: nobody but tenant admins.
    roles: list[Key] = Field(default_factory=list)
    set: ValueMap = Field(default_factory=dict)


class PoolReturn(Strict):
    """Giving a record back to the pool, by hand or automatically."""

    #: Who may return records they may update; empty: anyone who may update them.
    roles: list[Key] = Field(default_factory=list)
    #: The field that takes the reason (a user's input, or ``auto_return.reason``).
    reason_field: Key | None = None
    reason_required: bool = False
    #: Written on every return, e.g. ``{"pool_entered_at": "=NOW()"}``.
    set: ValueMap = Field(default_factory=dict)


class AutoReturn(Strict):
    """Records nobody followed up for ``after_days`` go back (``formwork jobs run``)."""

    after_days: int = Field(ge=1, le=3650)
    #: Date or datetime fields (or ``updated_at``/``created_at``); the latest
    #: that is not blank is when the record was last worked on.
    since: list[Key] = Field(min_length=1, max_length=5)
    #: Only records for which this expression is true go back.
    when: str | None = None
    #: The value written into ``return_to_pool.reason_field``.
    reason: Any = None


class PoolDef(Strict):
    """A pool (公海池): records without an owner that people claim or are assigned.

    A record is in the pool when its owner field is blank and ``open_when``
    holds. ``open_when`` also says which records count towards
    ``max_open_per_user``.
    """

    key: Key
    entity: Key
    label: Label | None = None
    #: A ``user`` field of the entity; unset: the entity's owner field.
    owner_field: Key | None = None
    #: Which records are open (an expression that translates to SQL); unset: all.
    open_when: str | None = None
    #: The most open records one person may own for a claim or an assignment to succeed.
    max_open_per_user: int | None = Field(default=None, ge=1, le=100_000)
    #: Roles that see the pool's records besides their own read scope; empty:
    #: everyone who may claim or assign.
    visible_to: list[Key] = Field(default_factory=list)
    #: Fields masked while a record is in the pool (contact details until it
    #: is claimed): blank in values, filters, sorts, search, exports,
    #: aggregates and history for everyone but tenant administrators and the
    #: pool's managers (``assign.roles``, who judge whom to give it to).
    #: Once a record has an owner it is no longer in the pool, and its
    #: readers see these fields as their roles allow.
    hidden_fields: list[Key] = Field(default_factory=list, max_length=100)
    claim: PoolClaim = Field(default_factory=PoolClaim)
    assign: PoolAssign = Field(default_factory=PoolAssign)
    return_to_pool: PoolReturn = Field(default_factory=PoolReturn)
    auto_return: AutoReturn | None = None
