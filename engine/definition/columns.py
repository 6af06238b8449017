"""The names a definition may not take: system columns and reserved keys.

The single copy: the tables (``engine.forms.runtime.system_columns``), the
records service, the actions engine and the definition checks all read these.
"""

from __future__ import annotations

#: Columns every entity table has that clients read, sort and filter on.
SYSTEM_FIELDS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
#: The recycle bin's columns: set while a deleted record waits to be restored or purged.
DELETION_COLUMNS = ("deleted_at", "deleted_by")
#: Every column of an entity table that is not a field, in table order: a field
#: may not reuse these keys.
ENTITY_COLUMNS = (*SYSTEM_FIELDS, *DELETION_COLUMNS)
#: The columns of a sub-table's child table that are not sub-fields.
CHILD_ROW_COLUMNS = ("id", "parent_id", "position")

#: Paths of an app's own API (``/api/apps/{app}/definition``…) that an entity
#: of that name would shadow, its records then out of reach. Besides today's
#: paths, the sections the coming engines serve under an app are reserved now,
#: so that no installed app has to rename an entity when they arrive.
RESERVED_ENTITY_KEYS = frozenset(
    {
        # today's paths
        "definition",
        "permissions",
        "overlay",
        "upgrade",
        "package",
        # the flow, rule, report and print engines, and what they serve
        "flows",
        "rules",
        "reports",
        "dashboards",
        "print",
        "tasks",
        "notifications",
        "openapi",
    }
)
#: ``POST /api/apps/import`` takes a package: an app of that name would be unreachable.
RESERVED_APP_KEYS = frozenset({"import"})

__all__ = [
    "CHILD_ROW_COLUMNS",
    "DELETION_COLUMNS",
    "ENTITY_COLUMNS",
    "RESERVED_APP_KEYS",
    "RESERVED_ENTITY_KEYS",
    "SYSTEM_FIELDS",
]
