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
  like an unknown field); writes naming a hidden field or changing a
  read-only one are refused (422) and run on the whole entity, so formulas
  and defaults still see every value; every answer is stripped of hidden
  values, hidden titles in ``_display`` and hidden fields' history;
* values masked on some records (``EntityAccess.masks``: a pool's hidden
  fields until a record is claimed) read as blank in the SQL of every read,
  so filters, sorts and search cannot find them either
  (``engine.forms.masking``), and leave the record's history.

A tenant administrator's access is unrestricted: every call passes through.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, select

# The module, not the name: engine.files.access imports forms modules, so
# whichever of the two is imported first must not need the other complete.
from engine.files import access as file_access
from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import FieldError, RecordInvalid, RecordNotFound, label_of
from engine.forms.field_types.attachment import AttachmentType
from engine.forms.field_types.base import is_blank
from engine.forms.filters import FilterNode, filter_conditions
from engine.forms.holders import Readable
from engine.forms.input_rules import READ_ONLY_FOR_YOU, InputRules, input_rules
from engine.forms.link_scope import unreachable_links
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
from engine.forms.views import ViewQuery
from engine.i18n import Message
from engine.tenancy import tenant_timezone

T = TypeVar("T")
READ_ONLY = READ_ONLY_FOR_YOU


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
        """A page of the records in the read scope (or of the recycle bin).

        A saved view's own filter (``ViewQuery.designed``) applies on the whole
        entity, so it may name fields hidden from the user; the request's own
        filter, sort and search only reach what the user sees.
        """
        scope = self.scope("read")
        if isinstance(query, ViewQuery) and not self.access.unrestricted:
            query, scope = self._within_view(query, scope)
        result = list_records(
            self.ctx,
            self.view,
            query,
            scope=scope,
            linked_view=None if self.access.unrestricted else self.linked_view,
            masks=self.access.masks,
        )
        for item in result["items"]:
            self.redact(item)
        return result

    def designed_condition(
        self, designed: FilterNode | None, scope: ColumnElement[bool] | None
    ) -> ColumnElement[bool] | None:
        """``scope`` AND a view's designed filter, bound on the whole entity."""
        if designed is None:
            return scope
        conditions = filter_conditions(
            self.entity,
            self.ctx.app,
            self.ctx.conn.dialect.name,
            tree=designed,
            zone=partial(tenant_timezone, self.ctx.conn),
        )
        return and_(*conditions) if scope is None else and_(scope, *conditions)

    def _within_view(
        self, query: ViewQuery, scope: ColumnElement[bool] | None
    ) -> tuple[ListQuery, ColumnElement[bool] | None]:
        sort = query.sort
        if query.sort_from_view:
            # Ranking records by a hidden value would give it away.
            sort = [item for item in sort if self.sees(item.lstrip("+-"))]
        own = replace(
            query, filter=query.own_filter, designed=None, sort=sort, sort_from_view=False
        )
        return own, self.designed_condition(query.designed, scope)

    def sees(self, path: str) -> bool:
        """Whether the user sees the field at ``path`` (``amount``, ``customer.industry``)."""
        if self.access.unrestricted:
            return True
        head, dot, rest = path.partition(".")
        if head in self.access.hidden:
            return False
        if not dot:
            return True
        link = self.entity.fields.get(head)
        target = getattr(link.options, "target", None) if link is not None else None
        if not isinstance(target, str):
            return True  # not a link: the filter compiler refuses the path itself
        return rest not in self.access.linked_hidden.get(target, frozenset({rest}))

    def get(self, record_id: int) -> dict[str, Any]:
        record = get_record(
            self.ctx, self.view, record_id, scope=self.scope("read"), masks=self.access.masks
        )
        return self.redact(record)

    def history(self, record_id: int) -> list[dict[str, Any]]:
        """The record's history without hidden fields; live or deleted records in scope.

        The history of a purged record is there for administrators only.
        """
        scope = self.scope("read")
        if not self.access.unrestricted and not record_exists(
            self.ctx, self.entity, record_id, deleted=None, scope=scope
        ):
            raise RecordNotFound.of(self.entity)
        entries = record_history(self.ctx, self.entity, record_id)
        # A value masked on the record now (a pool lead's phone) is left out
        # of its history too, old values included: it was the same phone.
        masked = self.access.masks.masked_now(self.ctx.conn, self.entity.table, record_id)
        hidden = self.access.hidden | masked
        if hidden:
            for entry in entries:
                entry["changes"] = [c for c in entry["changes"] if c["field"] not in hidden]
        return entries


@dataclass(frozen=True)
class GuardedWrites(GuardedReads):
    """Reading and writing records of one entity within one user's access.

    Every write path of a user (create, bulk create, import, update) goes
    through here: a hidden field may not be named at all; a field read-only
    for the user (their role's ``read`` level, or its ``readonly_when``) may
    be sent back unchanged but not changed (``engine.forms.input_rules``).
    """

    ctx: WriteContext

    def check_input(self, inputs: Sequence[Mapping[str, Any]]) -> None:
        """Refuse values for fields hidden from the user, naming each (422).

        Naming one is refused even with the stored value: accepting it would
        tell the user that they guessed the hidden value.
        """
        if self.access.unrestricted:
            return
        hidden = self.access.hidden
        if not hidden:
            return
        errors = []
        for i, data in enumerate(inputs):
            prefix = f"[{i}]." if len(inputs) > 1 else ""
            for key in data:
                if key in hidden and key in self.entity.fields:
                    errors.append(
                        FieldError(prefix + key, READ_ONLY, label_of(self.entity.fields[key]))
                    )
        if errors:
            raise RecordInvalid(errors)

    def check_files(
        self, inputs: Sequence[Mapping[str, Any]], record_id: int | None = None
    ) -> None:
        """Refuse file ids the user could not read, naming the field (422).

        Whoever reads a record reads its files, so a file id written into a
        record must be one the user uploaded, one the record already holds
        (``record_id``), or one they may read elsewhere: otherwise an id seen
        anywhere (a lookup, an old history entry) would open any file.
        """
        if self.access.unrestricted:
            return
        holding = [
            key
            for key, bound in self.entity.fields.items()
            if isinstance(bound.type, AttachmentType)
        ]
        named = {
            (i, key): _file_ids(data[key])
            for i, data in enumerate(inputs)
            for key in holding
            if key in data
        }
        wanted = {file_id for ids in named.values() for file_id in ids}
        if not wanted:
            return
        held: set[str] = set()
        if record_id is not None:
            table = self.entity.table
            stored = select(*(table.c[key] for key in holding)).where(table.c.id == record_id)
            # Only a record the user may change: another's would answer which files it holds.
            within = self.access.condition("update", table)
            if within is not None:
                stored = stored.where(within)
            row = self.ctx.conn.execute(stored).first()
            for value in row or ():
                held.update(_file_ids(value))
        refused = file_access.unattachable(
            self.ctx.conn, self.access.user, self.ctx.app, wanted, held=held
        )
        if not refused:
            return
        errors = []
        for (i, key), ids in named.items():
            prefix = f"[{i}]." if len(inputs) > 1 else ""
            for file_id in ids:
                if file_id in refused:
                    errors.append(
                        FieldError(prefix + key, f"there is no uploaded file with id {file_id}")
                    )
                    break
        raise RecordInvalid(errors)

    def check_links(
        self, inputs: Sequence[Mapping[str, Any]], record_id: int | None = None
    ) -> None:
        """Refuse links to records the user may not read, as if they did not
        exist (422, naming the field): ``engine.forms.link_scope``."""
        if self.access.unrestricted:
            return
        errors = unreachable_links(self.ctx, self.entity, self.access.user, inputs, record_id)
        if errors:
            raise RecordInvalid(errors)

    @cached_property
    def rules(self) -> InputRules | None:
        """What this user may not change in this entity's records (None: nothing to check)."""
        if self.access.unrestricted:
            return input_rules(self.entity)
        locked = frozenset(
            key for key, level in self.access.fields.items() if level is FieldAccess.READ
        )
        return input_rules(self.entity, locked)

    @cached_property
    def readable(self) -> Readable | None:
        """What the user may read, for errors that may name a record (None: everything)."""
        if self.access.unrestricted:
            return None
        return Readable(
            self.access.condition("read", self.entity.table),
            self.access.hidden,
            self.access.masks,
        )

    def _unlocked(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """A new record's input without blank values of role-locked fields.

        A form sends every field it shows; a blank read-only one means "not
        filled in", so its default applies as if it had not been sent.
        """
        rules = self.rules
        if rules is None or not rules.locked:
            return data
        if not any(key in rules.locked and is_blank(data[key]) for key in data):
            return data
        return {k: v for k, v in data.items() if not (k in rules.locked and is_blank(v))}

    def create_many(self, inputs: Sequence[Mapping[str, Any]]) -> list[int]:
        self.access.require("create")
        self.check_input(inputs)
        self.check_files(inputs)
        self.check_links(inputs)
        return create_records(
            self.ctx,
            self.entity,
            [self._unlocked(data) for data in inputs],
            rules=self.rules,
            readable=self.readable,
        )

    def create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Create one record and answer it as the user may see it.

        The answer is not limited by the read scope: it is what the user just
        wrote, even when it belongs to someone else.
        """
        self.access.require("create")
        self.check_input([data])
        self.check_files([data])
        self.check_links([data])
        return self.redact(
            create_record(
                self.ctx,
                self.entity,
                self._unlocked(data),
                answer_as=self.view,
                rules=self.rules,
                readable=self.readable,
            )
        )

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
                    Message(
                        "record.denied_one",
                        action=Message(f"verb.{verb}"),
                        entity=label_of(self.entity),
                    )
                ) from None
            raise

    def update(self, record_id: int, data: Mapping[str, Any], version: int) -> dict[str, Any]:
        """Change a record in the update scope; handing it over (a new owner) is allowed."""
        self.check_input([data])
        self.check_files([data], record_id)
        self.check_links([data], record_id)
        record = self._in_scope(
            "update",
            record_id,
            lambda scope: update_record(
                self.ctx,
                self.entity,
                record_id,
                data,
                version,
                scope=scope,
                rules=self.rules,
                readable=self.readable,
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
            lambda scope: restore_record(
                self.ctx, self.entity, record_id, scope=scope, readable=self.readable
            ),
            deleted=True,
        )
        return self.redact(record)

    def purge(self, record_id: int) -> None:
        """Delete a record of the recycle bin for good: tenant administrators only."""
        if not self.access.unrestricted:
            raise AccessDenied("only a tenant administrator may purge records")
        purge_record(self.ctx, self.entity, record_id)


def _file_ids(value: Any) -> list[str]:
    """The file ids of an attachment value as sent or stored (ids or ``{"id": …}``).

    Anything else is left to the field's own check, which names it.
    """
    if not isinstance(value, list):
        return []
    ids = (item.get("id") if isinstance(item, dict) else item for item in value)
    return [i for i in ids if isinstance(i, str)]


__all__ = ["READ_ONLY", "GuardedReads", "GuardedWrites", "visible_entity"]
