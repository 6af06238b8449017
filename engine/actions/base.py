"""The contract of an action type: one registered class per ``type`` of ``ActionDef``.

A type owns everything about its kind of action:

* ``Config`` — its definition model (``engine.definition``: one member of the
  ``ActionDef`` union), parsed once at the boundary;
* ``check`` — publish-time checks of its own options (the runner checks what
  all actions share: entity, ``when``, ``roles``, ``input``);
* ``reach`` — which records a user may address with it (default: their read scope);
* ``allowed`` — whether this user may run it on this record now
  (``AccessDenied`` → 403, ``ActionUnavailable`` → 409); default: the
  record is in the user's update scope;
* ``run`` — do it through the records service, in the caller's transaction;
* ``describe`` — what a client needs to offer it (inputs, pre-filled values).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement

from engine.actions.checks import CheckContext, Issue
from engine.actions.context import ActionContext, RecordState
from engine.definition import ActionBase, Label
from engine.forms import (
    AccessDenied,
    EntityRuntime,
    FieldAccess,
    FieldError,
    InputRules,
    RecordInvalid,
    RecordNotFound,
    input_rules,
    label_of,
    update_record,
)
from engine.i18n import Message

A = TypeVar("A", bound=ActionBase)


@dataclass
class ActionResult:
    """What an action did, beyond changing its record."""

    #: Records it created, by step key (conversion): ``{"customer": 12}``.
    created: dict[str, int] = field(default_factory=dict)
    #: Existing records it used instead of creating them, by step key.
    reused: dict[str, int] = field(default_factory=dict)
    #: Optional steps the user left out.
    skipped: list[str] = field(default_factory=list)
    #: Other records it changed, by entity: ``{"follow_up": [4, 5]}``.
    updated: dict[str, list[int]] = field(default_factory=dict)
    #: The action's record as written (unredacted), when the action wrote it.
    record: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "reused": self.reused,
            "skipped": self.skipped,
            "updated": self.updated,
        }


def take_inputs(
    ctx: ActionContext,
    entity: EntityRuntime,
    allowed: list[str],
    params: Mapping[str, Any],
    prefix: str = "",
) -> dict[str, Any]:
    """The user's values for an action's ``input`` fields (422 for anything else).

    A listed input is writable through the action even where the user's
    role only reads the field: the designer asked for it. A field hidden
    from the user is not, since they could not see what they write. The
    field's ``readonly_when`` still holds for what the user types: pass the
    keys of the answer as ``typed`` to ``write_record`` (or ``create_records``).
    """
    access = ctx.access(entity.key)
    errors = []
    for key in params:
        if key not in allowed:
            errors.append(FieldError(prefix + key, Message("action.not_an_input")))
        elif access is not None and access.fields.get(key) is FieldAccess.HIDDEN:
            errors.append(FieldError(prefix + key, Message("value.hidden")))
    if errors:
        raise RecordInvalid(errors)
    return dict(params)


def prefixed(err: RecordInvalid, prefix: str) -> RecordInvalid:
    """The same errors, naming fields of another record: ``contact.email``."""
    return RecordInvalid([e.within(prefix) for e in err.errors])


def typed_rules(entity: EntityRuntime, typed: Collection[str]) -> InputRules | None:
    """The rules for values a user typed into an action: its fields' ``readonly_when``.

    Role levels are not among them: listing an input is the designer's grant.
    """
    return input_rules(entity) if typed else None


def input_spec(entity: str, key: str, required: bool = False) -> dict[str, Any]:
    return {"entity": entity, "field": key, "required": required}


class ActionType(ABC, Generic[A]):
    key: ClassVar[str]
    label: ClassVar[Label]
    Config: ClassVar[type[ActionBase]]

    # -- publish time -----------------------------------------------------------------------
    def check(self, action: A, ctx: CheckContext, path: str) -> Iterator[Issue]:
        """Yield ``(JSON path, message)`` for options that contradict the definition."""
        return iter(())

    # -- run time ---------------------------------------------------------------------------
    def reach(
        self, ctx: ActionContext, action: A, entity: EntityRuntime
    ) -> ColumnElement[bool] | None:
        """The records the user may address with this action (``None``: all)."""
        access = ctx.access(entity.key)
        return None if access is None else access.condition("read", entity.table)

    def missing(
        self, ctx: ActionContext, action: A, entity: EntityRuntime, record_id: int
    ) -> Exception:
        """What to answer when the addressed record does not exist (404 by default)."""
        return RecordNotFound.of(entity)

    def allowed(self, ctx: ActionContext, action: A, record: RecordState) -> None:
        """Raise unless the user may run it on this record in its current state."""
        if not ctx.in_scope(record.entity, record.id, "update"):
            raise AccessDenied(
                Message(
                    "record.denied_one",
                    action=Message("verb.update"),
                    entity=label_of(record.entity),
                )
            )

    @abstractmethod
    def run(
        self, ctx: ActionContext, action: A, record: RecordState, params: Mapping[str, Any]
    ) -> ActionResult:
        """Do it: every write through the records service, on ``ctx.conn``, never committing."""

    def inputs(self, ctx: ActionContext, action: A) -> list[dict[str, Any]]:
        """The fields the user fills in: ``[{"entity", "field", "required"}]``."""
        return [input_spec(action.entity, key) for key in action.input]

    def describe(self, ctx: ActionContext, action: A, record: RecordState) -> dict[str, Any]:
        """How ``GET …/actions`` presents the action for one record."""
        return {
            "key": action.key,
            "type": action.type,  # type: ignore[attr-defined]
            "label": action.label,
            "confirm": action.confirm,
            "input": self.inputs(ctx, action),
        }


def write_record(
    ctx: ActionContext,
    record: RecordState,
    values: Mapping[str, Any],
    *,
    scope: ColumnElement[bool] | None = None,
    prefix: str = "",
    typed: Collection[str] = (),
) -> dict[str, Any]:
    """Update the action's record through the records service (validation, formulas, audit).

    ``version`` is the one read under the row lock, so a change made since
    by someone else fails (409) instead of being overwritten. ``typed`` are
    the keys whose values the user typed (the action's inputs): a change of
    one that its ``readonly_when`` makes read-only is refused (422), as in
    the form. The other values are the action's designed effects (the
    owner a claim sets), which the designer decided, so no condition applies.
    """
    try:
        return update_record(
            ctx.write_context(record.entity.key),
            record.entity,
            record.id,
            values,
            record.version,
            scope=scope,
            rules=typed_rules(record.entity, typed),
            typed=typed,
        )
    except RecordInvalid as err:
        raise prefixed(err, prefix) from None


__all__ = [
    "ActionResult",
    "ActionType",
    "input_spec",
    "prefixed",
    "take_inputs",
    "typed_rules",
    "write_record",
]
