"""The records service as one user may use it: permissions wrapped around engine calls.

``engine.forms.records`` knows nothing of roles. This wrapper is the one place
that applies an ``EntityAccess`` to it (style.md, "cross-cutting concerns wrap
engine calls"), so the records functions stay as they are for the engines
that act on their own behalf (rules, flows, imports):

* an action the user may not take at all answers ``AccessDenied`` (403)
  before the engine runs;
* the record scope goes down as one extra SQL condition: a record outside it
  is "not found" (404), so its existence does not leak; a record the user can
  read but not change answers 403;
* reads run on a view of the entity without the hidden fields, so they are
  never selected, filtered, sorted or searched on (a filter on one is refused
  like an unknown field); writes naming a hidden or read-only field are
  refused (422) and run on the whole entity, so formulas and defaults still
  see every value; every answer is stripped of hidden values, hidden titles
  in ``_display`` and hidden fields' history.

A tenant administrator's access is unrestricted: every call passes through.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement

from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import FieldError, RecordInvalid, RecordNotFound
from engine.forms.permissions import AccessDenied, Action, EntityAccess, FieldAccess
from engine.forms.records import (
    ListQuery,
    create_record,
    create_records,
    delete_record,
    get_record,
    list_records,
    purge_record,
    record_exists,
    record_history,
    restore_record,
    update_record,
)
from engine.forms.runtime import EntityRuntime

T = TypeVar("T")
READ_ONLY = "is read-only for you"


@lru_cache(maxsize=512)
def visible_entity(entity: EntityRuntime, hidden: frozenset[str]) -> EntityRuntime:
    """The entity as a user who may not see ``hidden`` knows it: same table, fewer fields.

    A shallow copy keeps everything the runtime holds (table, child tables);
    re-running ``__post_init__`` recomputes the per-ability field lists from
    the remaining fields.
    """
    if not hidden:
        return entity
    view = copy.copy(entity)
    view.fields = {key: f for key, f in entity.fields.items() if key not in hidden}
    view.__post_init__()
    return view


@dataclass(frozen=True)
class GuardedReads:
    """Reading records of one entity within one user's access."""

    ctx: ReadContext
    entity: EntityRuntime
    access: EntityAccess

    @property
    def view(self) -> EntityRuntime:
        return visible_entity(self.entity, self.access.hidden)

    def linked_view(self, target: EntityRuntime) -> EntityRuntime:
        """A linked entity as the user sees it (filters on ``customer.industry``).

        An entity this one does not link to is seen without any field.
        """
        hidden = self.access.linked_hidden.get(target.key, frozenset(target.fields))
        return visible_entity(target, hidden)

    def scope(self, action: Action) -> ColumnElement[bool] | None:
        """The condition of ``action``'s record scope; 403 when it reaches no record."""
        self.access.require(action)
        return self.access.condition(action, self.entity.table)

    def redact(self, record: dict[str, Any]) -> dict[str, Any]:
        """Drop what the user may not see from one record of the API (in place)."""
        if self.access.unrestricted:
            return record
        for key in self.access.hidden:
            record.pop(key, None)
        display = record.get("_display")
        if isinstance(display, dict):
            for key in self.access.hidden | self.access.hidden_titles:
                display.pop(key, None)
        return record

    def page(self, query: ListQuery) -> dict[str, Any]:
        """A page of the records in the read scope (or of the recycle bin)."""
        result = list_records(
            self.ctx,
            self.view,
            query,
            scope=self.scope("read"),
            linked_view=None if self.access.unrestricted else self.linked_view,
        )
        for item in result["items"]:
            self.redact(item)
        return result

    def get(self, record_id: int) -> dict[str, Any]:
        return self.redact(get_record(self.ctx, self.view, record_id, scope=self.scope("read")))

    def history(self, record_id: int) -> list[dict[str, Any]]:
        """The record's history without hidden fields; live or deleted records in scope.

        The history of a purged record is there for administrators only.
        """
        scope = self.scope("read")
        if not self.access.unrestricted and not record_exists(
            self.ctx, self.entity, record_id, deleted=None, scope=scope
        ):
            raise RecordNotFound(f"there is no {self.entity.key} with id {record_id}")
        entries = record_history(self.ctx, self.entity, record_id)
        hidden = self.access.hidden
        if hidden:
            for entry in entries:
                entry["changes"] = [c for c in entry["changes"] if c["field"] not in hidden]
        return entries


@dataclass(frozen=True)
class GuardedWrites(GuardedReads):
    """Reading and writing records of one entity within one user's access."""

    ctx: WriteContext

    def check_input(self, inputs: Sequence[Mapping[str, Any]]) -> None:
        """Refuse values for fields the user may not write, naming each (422)."""
        if self.access.unrestricted:
            return
        errors = []
        for i, data in enumerate(inputs):
            prefix = f"[{i}]." if len(inputs) > 1 else ""
            for key in data:
                bound = self.entity.fields.get(key)
                if bound is None:
                    continue  # unknown keys are the validation's to report
                level = self.access.fields[key]
                # Computed values keep the validation's own message, unless hidden.
                if level is FieldAccess.HIDDEN or (
                    level is FieldAccess.READ and bound.type.writable
                ):
                    errors.append(FieldError(prefix + key, READ_ONLY))
        if errors:
            raise RecordInvalid(errors)

    def create_many(self, inputs: Sequence[Mapping[str, Any]]) -> list[int]:
        self.access.require("create")
        self.check_input(inputs)
        return create_records(self.ctx, self.entity, inputs)

    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create one record and answer it as the user may see it.

        The answer is not limited by the read scope: it is what the user just
        wrote, even when it belongs to someone else.
        """
        self.access.require("create")
        self.check_input([data])
        return self.redact(create_record(self.ctx, self.entity, data, answer_as=self.view))

    def _in_scope(
        self,
        action: Action,
        record_id: int,
        call: Callable[[ColumnElement[bool] | None], T],
        *,
        deleted: bool = False,
    ) -> T:
        """Run ``call`` with ``action``'s scope; a readable record out of it answers 403."""
        scope = self.scope(action)
        try:
            return call(scope)
        except RecordNotFound:
            if scope is None or not self.access.allows("read"):
                raise
            readable = self.access.condition("read", self.entity.table)
            if record_exists(self.ctx, self.entity, record_id, deleted=deleted, scope=readable):
                verb = "restore" if deleted else action
                raise AccessDenied(
                    f"you may not {verb} this {self.entity.key} (#{record_id})"
                ) from None
            raise

    def update(self, record_id: int, data: Mapping[str, Any], version: int) -> dict[str, Any]:
        """Change a record in the update scope; handing it over (a new owner) is allowed."""
        self.check_input([data])
        record = self._in_scope(
            "update",
            record_id,
            lambda scope: update_record(
                self.ctx, self.entity, record_id, data, version, scope=scope
            ),
        )
        return self.redact(record)

    def delete(self, record_id: int) -> None:
        self._in_scope(
            "delete",
            record_id,
            lambda scope: delete_record(self.ctx, self.entity, record_id, scope=scope),
        )

    def restore(self, record_id: int) -> dict[str, Any]:
        """Undo a delete: needs the delete permission, within its scope."""
        record = self._in_scope(
            "delete",
            record_id,
            lambda scope: restore_record(self.ctx, self.entity, record_id, scope=scope),
            deleted=True,
        )
        return self.redact(record)

    def purge(self, record_id: int) -> None:
        """Delete a record of the recycle bin for good: tenant administrators only."""
        if not self.access.unrestricted:
            raise AccessDenied("only a tenant administrator may purge records")
        purge_record(self.ctx, self.entity, record_id)


__all__ = ["READ_ONLY", "GuardedReads", "GuardedWrites", "visible_entity"]
