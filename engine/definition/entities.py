"""An entity: one table of an app, its fields and extra indexes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from engine.definition.common import MAX_FIELDS, MAX_INDEX_COLUMNS, MAX_INDEXES, Key, Label, Strict
from engine.definition.fields import FieldDef


class RelatedDef(Strict):
    """How the record page of the entity shows one related list.

    Related lists are generated from every ``link`` field (of any entity of
    the app) whose target is this entity; an entry here only adds to one:
    ``quick_add`` puts a button for a new record of ``entity``, pre-linked to
    the record, on the record page itself ("log a follow-up").
    """

    #: The entity whose records link here.
    entity: Key
    #: Its link field pointing here; unset when it has exactly one.
    via: Key | None = None
    quick_add: bool = False
    #: The button's text; unset: the entity's label.
    label: Label | None = None


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
    #: Settings of the related lists of its record page (``RelatedDef``).
    related: list[RelatedDef] = Field(default_factory=list, max_length=MAX_FIELDS)
