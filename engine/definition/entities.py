"""An entity: one table of an app, its fields and extra indexes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from engine.definition.common import MAX_FIELDS, MAX_INDEX_COLUMNS, MAX_INDEXES, Key, Label, Strict
from engine.definition.fields import FieldDef


class EntityDef(Strict):
    key: Key
    label: Label | None = None
    title_field: Key | None = None
    #: Whose record it is, for the ``own``/``department`` scopes of roles: a
    #: ``user`` field (or ``created_by``). Unset: the ``user`` field keyed
    #: ``owner`` if there is one, else ``created_by``.
    owner_field: Key | None = None
    fields: list[FieldDef] = Field(min_length=1, max_length=MAX_FIELDS)
    indexes: list[Annotated[list[Key], Field(min_length=1, max_length=MAX_INDEX_COLUMNS)]] = Field(
        default_factory=list, max_length=MAX_INDEXES
    )
