"""Saved views of an entity's records: tables and kanban boards."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from engine.definition.common import Key, Label, Strict

#: Which records a view shows: a tree of the records filter language
#: (docs/filters.md), whose values may be relative to who looks and when:
#: ``{"$user": "me"}`` is the id of the user looking at the view and
#: ``{"$today": N}`` today plus N days (tenant time zone) as a date.
ViewFilter = dict[str, Any]


class TableView(Strict):
    type: Literal["table"]
    entity: Key
    key: Key
    label: Label | None = None
    columns: list[Key] = Field(default_factory=list)
    sort: list[str] = Field(default_factory=list)
    filter: ViewFilter | None = None


class KanbanView(Strict):
    type: Literal["kanban"]
    entity: Key
    key: Key
    label: Label | None = None
    #: A ``select`` field: one column per option, in the options' order.
    group_by: Key
    card_fields: list[Key] = Field(default_factory=list)
    #: The order of the cards within a column.
    sort: list[str] = Field(default_factory=list)
    filter: ViewFilter | None = None


ViewDef = Annotated[TableView | KanbanView, Field(discriminator="type")]
