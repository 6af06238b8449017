"""Record actions (engine/actions, docs/actions.md): one model per kind,
chosen by ``type``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from engine.definition.common import Key, Label, Strict

#: A value an action writes into a field, as JSON: a string starting with ``=``
#: is an expression over the action's record (``=CONCAT(company, ' 新商机')``,
#: ``='converted'``), ``$record`` is that record's id and ``$<step>`` the id of
#: the record an earlier conversion step made; any other string is the key of a
#: field of the action's record whose value is copied; numbers, booleans,
#: ``null`` and lists are written as they are.
ValueSpec = Any
#: Field key → the value to write there.
ValueMap = dict[Key, ValueSpec]


class ActionBase(Strict):
    """What every record action has; ``type`` picks the kind (one class each)."""

    key: Key
    #: The entity whose records offer the action.
    entity: Key
    label: Label
    #: An expression over the record that must be true for the action to be
    #: offered and run (``status in ['new', 'contacting']``); unset: always.
    when: str | None = None
    #: Roles that may run it. Empty: anyone the action's own rules let (for
    #: most kinds: whoever may update the record). Tenant admins always may.
    roles: list[Key] = Field(default_factory=list)
    #: Fields of the record the user fills in when running it; the action
    #: writes them, even fields the user's role only reads (not hidden ones).
    input: list[Key] = Field(default_factory=list)
    #: A question the UI asks before running it ("Return the lead to the pool?").
    confirm: Label | None = None


class ConvertStep(Strict):
    """One record a conversion creates (or finds), in order."""

    #: Names the record for later steps and the result: ``$customer``.
    key: Key
    entity: Key
    #: Target field → value (``ValueSpec``) over the converted record.
    map: ValueMap = Field(default_factory=dict)
    #: Target fields the user fills in (they override ``map``).
    input: list[Key] = Field(default_factory=list)
    #: The user may leave it out (send ``null`` for the step); references to it are blank.
    optional: bool = False
    #: Target field → value: a record (within the user's read scope) with all
    #: these values is used instead of creating one (no duplicate customers).
    reuse_when_equal: ValueMap = Field(default_factory=dict)


class Relink(Strict):
    """Records that linked to the converted record and now also link to a new one."""

    entity: Key
    #: The link field of ``entity`` that points at the converted record.
    via: Key
    set: ValueMap


class ConvertAction(ActionBase):
    """Create records of other entities from this one, link them, update this one."""

    type: Literal["convert"]
    steps: list[ConvertStep] = Field(min_length=1, max_length=10)
    #: Fields of the converted record to write afterwards: ``{"status": "='converted'"}``.
    update: ValueMap = Field(default_factory=dict)
    relink: list[Relink] = Field(default_factory=list, max_length=10)


class ClaimAction(ActionBase):
    """Take a record out of its pool: the user becomes its owner."""

    type: Literal["claim"]
    pool: Key


class AssignAction(ActionBase):
    """Give a record of the pool to someone (the owner field is the input)."""

    type: Literal["assign"]
    pool: Key


class ReturnToPoolAction(ActionBase):
    """Give a record back to its pool: no owner, optionally with a reason."""

    type: Literal["return_to_pool"]
    pool: Key


class TransferAction(ActionBase):
    """Hand an owned record over to someone else (the owner field is the input).

    ``pool``: the pool whose ``max_open_per_user`` the new owner must stay
    within (and whose owner field is written); unset: the entity's owner
    field, without a cap. A record in the pool is assigned, not transferred.
    """

    type: Literal["transfer"]
    pool: Key | None = None
    #: Written on a transfer besides the owner, e.g. ``{"assigned_at": "=NOW()"}``.
    set: ValueMap = Field(default_factory=dict)


class SetFieldsAction(ActionBase):
    """Write fixed values, expressions or the user's input into the record."""

    type: Literal["set_fields"]
    set: ValueMap = Field(default_factory=dict)


ActionDef = Annotated[
    ConvertAction
    | ClaimAction
    | AssignAction
    | ReturnToPoolAction
    | TransferAction
    | SetFieldsAction,
    Field(discriminator="type"),
]
