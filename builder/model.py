"""The app definition as typed models: parsed once at the boundary.

Engines read these models, never raw dicts. Field-type specific options
(``precision``, ``options``, ``target``…) are kept as the field's extra
properties here and parsed by the field type's own ``Options`` model (see
``engine.forms.field_types``), so that each type owns its options in one place.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
#: A text in several languages: {"zh-CN": "客户", "en": "Customer"}.
Label = dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")], str]
Scope = Literal["own", "department", "department_and_below", "all"]

#: Columns every entity table has; a field may not reuse these keys.
SYSTEM_FIELDS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDef(BaseModel):
    """One field of an entity (or of a sub-table). Extra keys are type options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: Key
    type: str
    label: Label | None = None
    help: Label | None = None
    required: bool = False
    unique: bool = False
    index: bool = False
    default: Any = None
    visible_when: str | None = None
    required_when: str | None = None
    readonly_when: str | None = None
    #: The key this field had in the published version: publishing renames the
    #: column and keeps its data (see docs/schema-evolution.md).
    renamed_from: Key | None = None
    #: The key of a removed (archived) field whose data this field brings back;
    #: re-adding a field under its old key restores it without this.
    restore_from: Key | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class EntityDef(Strict):
    key: Key
    label: Label | None = None
    title_field: Key | None = None
    #: Whose record it is, for the ``own``/``department`` scopes of roles: a
    #: ``user`` field (or ``created_by``). Unset: the ``user`` field keyed
    #: ``owner`` if there is one, else ``created_by``.
    owner_field: Key | None = None
    fields: list[FieldDef] = Field(min_length=1)
    indexes: list[list[Key]] = Field(default_factory=list)


class FormSection(Strict):
    section: Label | None = None
    columns: int = Field(default=1, ge=1, le=4)
    fields: list[Key]


class FormDef(Strict):
    entity: Key
    key: Key
    label: Label | None = None
    layout: list[FormSection]


class TableView(Strict):
    type: Literal["table"]
    entity: Key
    key: Key
    label: Label | None = None
    columns: list[Key] = Field(default_factory=list)
    sort: list[str] = Field(default_factory=list)


class KanbanView(Strict):
    type: Literal["kanban"]
    entity: Key
    key: Key
    label: Label | None = None
    group_by: Key
    card_fields: list[Key] = Field(default_factory=list)


ViewDef = Annotated[TableView | KanbanView, Field(discriminator="type")]


class EntityPermission(Strict):
    read: Scope | bool = False
    create: bool = False
    update: Scope | bool = False
    delete: Scope | bool = False
    fields: dict[Key, Literal["hidden", "read", "write"]] = Field(default_factory=dict)


class RoleDef(Strict):
    key: Key
    label: Label | None = None
    permissions: dict[Key, EntityPermission] = Field(default_factory=dict)


class AppDefinition(Strict):
    key: Key
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    label: Label | None = None
    description: Label | None = None
    entities: list[EntityDef] = Field(min_length=1)
    forms: list[FormDef] = Field(default_factory=list)
    views: list[ViewDef] = Field(default_factory=list)
    roles: list[RoleDef] = Field(default_factory=list)

    def entity(self, key: str) -> EntityDef | None:
        return next((e for e in self.entities if e.key == key), None)
