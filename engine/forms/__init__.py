"""The forms engine: field types, record validation and storage of records.

This package is the forms engine's public face; code outside ``engine/forms``
imports from here, never from its modules (``tests/test_architecture.py``
holds ``api/`` and the engines to come to that, and lists the older
offenders it still allows). The contract:

* **Runtime**: ``AppRuntime``/``EntityRuntime``, an app's published
  definition bound to its tables; ``RuntimeCache`` keeps them per version.
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
* **Filters, views, aggregates, preview**: ``parse_filter`` and
  ``filter_catalogue`` (the filter language), ``apply_view``,
  ``require_view``, ``view_filter``, ``AggregateQuery``/``aggregate_as``,
  ``preview_as``; ``field_type_registry`` holds the field types by key.
* **Events**: ``RecordsCreated``, ``RecordUpdated``, ``RecordDeleted``,
  ``RecordRestored``, ``RecordPurged``, ``ActionRan``; ``emit`` writes the
  audit row, then calls the subscribers, in the write's transaction.
* **Hooks**: ``Hooks`` (write guards, subscribers, read-scope contributors)
  built once at start-up (``engine.startup``) and carried on ``WriteContext``;
  ``WriteRefused`` and ``CauseChainTooDeep`` are how a write is refused.
* **Errors**: ``RecordInvalid`` (with ``FieldError``s), ``RecordNotFound``,
  ``StaleVersion``, ``Conflict``, ``AccessDenied``: domain errors that carry
  their HTTP status (``engine.errors``).
* **Spreadsheets**: reading, mapping and creating rows of an import, and
  writing an export (docs/import-export.md).
"""

from engine.forms.aggregate import AggregateQuery, aggregate_as
from engine.forms.context import ReadContext, WriteContext
from engine.forms.errors import (
    Conflict,
    FieldError,
    FieldInvalid,
    RecordInvalid,
    RecordNotFound,
    StaleVersion,
)
from engine.forms.events import (
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
)
from engine.forms.field_types.base import BoundField
from engine.forms.filters import catalogue as filter_catalogue
from engine.forms.filters import parse_filter
from engine.forms.guard import READ_ONLY, GuardedReads, GuardedWrites
from engine.forms.history import readable_history
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
from engine.forms.permissions import (
    AccessDenied,
    AppAccess,
    EntityAccess,
    FieldAccess,
    RecordScope,
    load_app_access,
    load_entity_access,
)
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
from engine.forms.runtime import AppRuntime, EntityRuntime, RuntimeCache, build_runtime
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
from engine.forms.views import apply_view, require_view, view_filter

__all__ = [
    "COLUMN_CHOICES",
    "FORMATS",
    "LANGS",
    "MAX_CAUSE_DEPTH",
    "MB",
    "MEDIA_TYPES",
    "MODES",
    "NO_HOOKS",
    "READ_ONLY",
    "AccessDenied",
    "ActionRan",
    "AggregateQuery",
    "AppAccess",
    "AppRuntime",
    "BatchSubscriber",
    "BoundField",
    "Cause",
    "CauseChainTooDeep",
    "Columns",
    "Conflict",
    "EntityAccess",
    "EntityRuntime",
    "FieldAccess",
    "FieldError",
    "FieldInvalid",
    "Format",
    "GuardedReads",
    "GuardedWrites",
    "Hooks",
    "ImportLimits",
    "ListQuery",
    "Lookups",
    "Matching",
    "Mode",
    "Outcome",
    "PendingWrite",
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
    "RowsInvalid",
    "RuntimeCache",
    "StaleVersion",
    "Subscriber",
    "TargetScope",
    "WriteContext",
    "WriteGuard",
    "WriteRefused",
    "aggregate_as",
    "apply_rows",
    "apply_view",
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
    "export_file",
    "field_type_registry",
    "filter_catalogue",
    "get_record",
    "link_texts",
    "list_records",
    "load_app_access",
    "load_entity_access",
    "map_columns",
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
    "row_keys",
    "template_file",
    "text_of",
    "update_record",
    "view_filter",
]
