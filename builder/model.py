"""The app definition as typed models: parsed once at the boundary.

Engines read these models, never raw dicts. Field-type specific options
(``precision``, ``options``, ``target``…) are kept as the field's extra
properties here and parsed by the field type's own ``Options`` model (see
``engine.forms.field_types``), so that each type owns its options in one place.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
)

# -- bounds of a definition ------------------------------------------------------------
# Every definition reaches the database as tables and columns, so it is bounded
# before it gets there: PostgreSQL allows at most 1,600 columns per table (archived
# columns of removed fields count too) and 32 columns per index, SQLite 2,000
# columns; a huge label or option list only costs memory on every request that
# loads the runtime. Checked by ``builder.validate.load_definition``.
#: Entities in one app (each is a table).
MAX_ENTITIES = 100
#: Fields of one entity, sub-tables included (each stored field is a column).
MAX_FIELDS = 300
#: Fields of one sub-table (columns of its child table).
MAX_SUB_FIELDS = 100
#: Items of any list among a field's type options (a select's choices…).
MAX_OPTION_ITEMS = 1_000
#: Characters of one label in one language, and of one help text.
MAX_LABEL_CHARS = 200
MAX_HELP_CHARS = 2_000
#: Languages of one label.
MAX_LANGUAGES = 20
#: Extra indexes of one entity, and columns of one index (PostgreSQL: 32).
MAX_INDEXES = 20
MAX_INDEX_COLUMNS = 8
#: Forms, views, roles, record actions and pools of one app.
MAX_FORMS = 200
MAX_VIEWS = 200
MAX_ROLES = 100
MAX_ACTIONS = 200
MAX_POOLS = 50
#: The definition as JSON: bytes, and how deep objects and lists nest.
MAX_DEFINITION_BYTES = 2_000_000
MAX_DEFINITION_DEPTH = 64

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
_Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
#: A text in several languages: {"zh-CN": "客户", "en": "Customer"}.
Label = Annotated[
    dict[_Language, Annotated[str, StringConstraints(max_length=MAX_LABEL_CHARS)]],
    Field(max_length=MAX_LANGUAGES),
]
#: A longer text in several languages (a field's help).
HelpText = Annotated[
    dict[_Language, Annotated[str, StringConstraints(max_length=MAX_HELP_CHARS)]],
    Field(max_length=MAX_LANGUAGES),
]
Scope = Literal["own", "department", "department_and_below", "all"]

#: Columns every entity table has that clients read, sort and filter on.
SYSTEM_FIELDS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
#: Every column of an entity table that is not a field (the recycle bin's too):
#: a field may not reuse these keys (``engine.forms.runtime.system_columns``).
ENTITY_COLUMNS = (*SYSTEM_FIELDS, "deleted_at", "deleted_by")
#: The columns of a sub-table's child table that are not sub-fields.
CHILD_ROW_COLUMNS = ("id", "parent_id", "position")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDef(BaseModel):
    """One field of an entity (or of a sub-table). Extra keys are type options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: Key
    type: str
    label: Label | None = None
    help: HelpText | None = None
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

    @model_serializer(mode="wrap")
    def _keep_null_options(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A type option set to ``null`` means something (a percent without
        rounding): it survives ``exclude_none``, which stored definitions use."""
        data: dict[str, Any] = handler(self)
        for key, value in (self.model_extra or {}).items():
            if value is None:
                data[key] = None
        return data


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


class FormSection(Strict):
    section: Label | None = None
    columns: int = Field(default=1, ge=1, le=4)
    fields: list[Key]


class FormDef(Strict):
    entity: Key
    key: Key
    label: Label | None = None
    layout: list[FormSection]


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


# -- record actions and pools (engine/actions, docs/actions.md) -----------------------
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


class SetFieldsAction(ActionBase):
    """Write fixed values, expressions or the user's input into the record."""

    type: Literal["set_fields"]
    set: ValueMap = Field(default_factory=dict)


ActionDef = Annotated[
    ConvertAction | ClaimAction | AssignAction | ReturnToPoolAction | SetFieldsAction,
    Field(discriminator="type"),
]


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
    #: Date or datetime fields (or ``updated_at``/``created_at``); the first
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
    claim: PoolClaim = Field(default_factory=PoolClaim)
    assign: PoolAssign = Field(default_factory=PoolAssign)
    return_to_pool: PoolReturn = Field(default_factory=PoolReturn)
    auto_return: AutoReturn | None = None


class AppDefinition(Strict):
    key: Key
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    label: Label | None = None
    description: HelpText | None = None
    entities: list[EntityDef] = Field(min_length=1, max_length=MAX_ENTITIES)
    forms: list[FormDef] = Field(default_factory=list, max_length=MAX_FORMS)
    views: list[ViewDef] = Field(default_factory=list, max_length=MAX_VIEWS)
    roles: list[RoleDef] = Field(default_factory=list, max_length=MAX_ROLES)
    #: Record actions: buttons on a record that the engine runs (docs/actions.md).
    actions: list[ActionDef] = Field(default_factory=list, max_length=MAX_ACTIONS)
    #: Pools of ownerless records with their claim and return rules.
    pools: list[PoolDef] = Field(default_factory=list, max_length=MAX_POOLS)

    def entity(self, key: str) -> EntityDef | None:
        return next((e for e in self.entities if e.key == key), None)

    def pool(self, key: str) -> PoolDef | None:
        return next((p for p in self.pools if p.key == key), None)
