"""The forms engine: field types, record validation and storage of records.

This package is the forms engine's public face; code outside ``engine/forms``
imports from here, never from its modules (``tests/test_architecture.py``
holds every package to that). ``builder/`` alone also imports
``engine.forms.authoring``: table names and draft checks that only planning a
publish needs. The contract:

* **Runtime**: ``AppRuntime``/``EntityRuntime``, an app's published
  definition bound to its tables (``build_runtime``); ``RuntimeCache`` keeps
  them per version.
* **Field types**: ``field_type_registry`` holds the types by key;
  ``bind_field`` binds a field definition to its type as a ``BoundField``
  (``sub_fields``: a sub-table's, bound); a type opts into a step of the
  record lifecycle by inheriting an ability (``References``, ``Generated``,
  ``Computed``, ``QueryTime``, ``ChildRows``; ``ability`` narrows to one,
  checked); ``AttachmentType`` is every type whose values are file ids;
  ``is_blank`` is what "no value" means to all of them.
* **Contexts**: ``ReadContext`` (tenant, connection, runtime, user) and
  ``WriteContext`` (plus the hooks and the cause chain), one per transaction.
* **The record service**: ``create_record(s)``, ``update_record``,
  ``delete_record``, ``restore_record``, ``purge_record``, ``get_record``,
  ``list_records`` (a ``ListQuery``), ``record_exists``, ``record_history``
  (``readable_history``: the same with labels, display values and named actions).
  Each write validates, writes and emits its record event in the caller's
  transaction; it trusts its caller to have checked permissions.
* **Guarded reads and writes**: ``GuardedReads``/``GuardedWrites`` are the
  record service behind one principal's permissions (``load_entity_access``,
  ``EntityAccess``, ``FieldAccess``, ``AccessDenied``); routes use these.
  Callers that check for themselves (actions, file downloads) use the same
  pieces: ``entity_access`` (pure, from roles ``roles_in_app`` found),
  ``AccessAction``, ``owner_key``, ``ReadAlso`` (records a principal reads
  beyond their roles, a pool's), ``as_shown`` (values with hidden fields
  blanked) and ``input_rules``/``InputRules`` (what a form lets them enter).
* **Filters, views, aggregates, preview**: ``parse_filter`` and
  ``filter_catalogue`` (the filter language), ``apply_view``,
  ``require_view``, ``view_filter``, ``AggregateQuery``/``aggregate_as``,
  ``preview_as``.
* **Events**: ``RecordsCreated``, ``RecordUpdated``, ``RecordDeleted``,
  ``RecordRestored``, ``RecordPurged``, ``ActionRan``; ``emit`` writes the
  audit row, then calls the subscribers, in the write's transaction. Each
  carries its cause chain (``Cause``); one rooted in ``DEMO_DATA``
  (``loads_demo_data``) is the loading of a template's demo data.
* **Hooks**: ``Hooks`` (write guards, subscribers, read-scope contributors)
  built once at start-up (``engine.startup``) and carried on ``WriteContext``;
  ``WriteRefused`` and ``CauseChainTooDeep`` are how a write is refused.
* **Errors**: ``RecordInvalid`` (with ``FieldError``s), ``RecordNotFound``,
  ``StaleVersion``, ``Conflict``, ``AccessDenied``: domain errors that carry
  their HTTP status (``engine.errors``); ``label_of`` gives the ``Label`` a
  message names a field or entity by.
* **Spreadsheets**: reading, mapping and creating rows of an import, and
  writing an export (docs/import-export.md).
"""

# ``engine.files.access`` takes these from this package while the guard below
# is still importing it, so they are bound before anything imports the guard.
from engine.forms.field_types.attachment import AttachmentType
from engine.forms.field_types.base import BoundField, is_blank
from engine.forms.permissions import (
    AccessDenied,
    AppAccess,
    EntityAccess,
    FieldAccess,
    ReadAlso,
    RecordScope,
    entity_access,
    load_app_access,
    load_entity_access,
    owner_key,
    roles_in_app,
)
from engine.forms.permissions import Action as AccessAction
from engine.forms.runtime import (
    AppRuntime,
    EntityRuntime,
    RuntimeCache,
    bind_field,
    build_runtime,
)

# isort: split
from engine.forms.aggregate import AggregateQuery, aggregate_as
from engine.forms.context import ReadContext, WriteContext
from engine.forms.derived_access import as_shown
from engine.forms.errors import (
    Conflict,
    FieldError,
    FieldInvalid,
    Label,
    QueryInvalid,
    RecordInvalid,
    RecordNotFound,
    StaleVersion,
    label_of,
    noun_of,
)
from engine.forms.events import (
    DEMO_DATA,
    ActionRan,
    Cause,
    RecordDeleted,
    RecordEvent,
    RecordPurged,
    RecordRestored,
    RecordsCreated,
    RecordUpdated,
    chain_text,
    emit,
    emit_many,
    loads_demo_data,
)
from engine.forms.field_types.abilities import (
    ChildRows,
    Computed,
    Generated,
    QueryTime,
    References,
    ability,
)
from engine.forms.field_types.subtable import sub_fields
from engine.forms.filters import catalogue as filter_catalogue
from engine.forms.filters import parse_filter
from engine.forms.guard import READ_ONLY, GuardedReads, GuardedWrites
from engine.forms.history import readable_history, via_label
from engine.forms.hooks import (
    MAX_CAUSE_DEPTH,
    NO_HOOKS,
    BatchSubscriber,
    CauseChainTooDeep,
    Hooks,
    PendingWrite,
    ReadScope,
    Subscriber,
    WriteGuard,
    WriteRefused,
)
from engine.forms.input_rules import InputRules, input_rules
from engine.forms.preview import preview_as
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

# Not ``field_types``: that name is the sub-package of the types themselves.
from engine.forms.registry import field_types as field_type_registry
from engine.forms.transfer.cells import LANGS, text_of
from engine.forms.transfer.csv_reader import check_encoding
from engine.forms.transfer.export import (
    COLUMN_CHOICES,
    FORMATS,
    MEDIA_TYPES,
    Columns,
    Format,
    export_file,
)
from engine.forms.transfer.importing import (
    create_rows,
    link_texts,
    map_columns,
    prepare_rows,
    read_sheet,
)
from engine.forms.transfer.limits import MB, ImportLimits
from engine.forms.transfer.lookups import Lookups, TargetScope
from engine.forms.transfer.template import template_file
from engine.forms.transfer.upsert import (
    MODES,
    Matching,
    Mode,
    Outcome,
    RowsInvalid,
    apply_rows,
    check_matching,
    row_keys,
)
from engine.forms.via import (
    VIA_FORMULA_BACKFILL,
    VIA_IMPORT,
    VIA_POOL_AUTO_RETURN,
    via_action,
    via_bulk,
    via_rule,
)
from engine.forms.views import apply_view, require_view, view_filter

__all__ = [
    "COLUMN_CHOICES",
    "DEMO_DATA",
    "FORMATS",
    "LANGS",
    "MAX_CAUSE_DEPTH",
    "MB",
    "MEDIA_TYPES",
    "MODES",
    "NO_HOOKS",
    "READ_ONLY",
    "VIA_FORMULA_BACKFILL",
    "VIA_IMPORT",
    "VIA_POOL_AUTO_RETURN",
    "AccessAction",
    "AccessDenied",
    "ActionRan",
    "AggregateQuery",
    "AppAccess",
    "AppRuntime",
    "AttachmentType",
    "BatchSubscriber",
    "BoundField",
    "Cause",
    "CauseChainTooDeep",
    "ChildRows",
    "Columns",
    "Computed",
    "Conflict",
    "EntityAccess",
    "EntityRuntime",
    "FieldAccess",
    "FieldError",
    "FieldInvalid",
    "Format",
    "Generated",
    "GuardedReads",
    "GuardedWrites",
    "Hooks",
    "ImportLimits",
    "InputRules",
    "Label",
    "ListQuery",
    "Lookups",
    "Matching",
    "Mode",
    "Outcome",
    "PendingWrite",
    "QueryInvalid",
    "QueryTime",
    "ReadAlso",
    "ReadContext",
    "ReadScope",
    "RecordDeleted",
    "RecordEvent",
    "RecordInvalid",
    "RecordNotFound",
    "RecordPurged",
    "RecordRestored",
    "RecordScope",
    "RecordUpdated",
    "RecordsCreated",
    "References",
    "RowsInvalid",
    "RuntimeCache",
    "StaleVersion",
    "Subscriber",
    "TargetScope",
    "WriteContext",
    "WriteGuard",
    "WriteRefused",
    "ability",
    "aggregate_as",
    "apply_rows",
    "apply_view",
    "as_shown",
    "bind_field",
    "build_runtime",
    "chain_text",
    "check_encoding",
    "check_matching",
    "create_record",
    "create_records",
    "create_rows",
    "delete_record",
    "emit",
    "emit_many",
    "entity_access",
    "export_file",
    "field_type_registry",
    "filter_catalogue",
    "get_record",
    "input_rules",
    "is_blank",
    "label_of",
    "link_texts",
    "list_records",
    "load_app_access",
    "load_entity_access",
    "loads_demo_data",
    "map_columns",
    "noun_of",
    "owner_key",
    "parse_filter",
    "prepare_rows",
    "preview_as",
    "purge_record",
    "read_sheet",
    "readable_history",
    "record_exists",
    "record_history",
    "require_view",
    "restore_record",
    "roles_in_app",
    "row_keys",
    "sub_fields",
    "template_file",
    "text_of",
    "update_record",
    "via_action",
    "via_bulk",
    "via_label",
    "via_rule",
    "view_filter",
]
