"""Physical names of the tables and indexes an app definition creates.

Names are readable (``a_mini_crm__customer``) so that reports, support staff
and raw SQL can find their way; anything longer than PostgreSQL's 63-byte
limit is shortened with a stable hash suffix. Every part comes from a
validated definition key, never from request text.
"""

from __future__ import annotations

import hashlib

MAX_IDENTIFIER = 63


def physical_name(prefix: str, *parts: str) -> str:
    name = "__".join((prefix + "_" + parts[0], *parts[1:]))
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: MAX_IDENTIFIER - 11]}_{digest}"


def entity_table_name(app: str, entity: str) -> str:
    return physical_name("a", app, entity)


def child_table_name(app: str, entity: str, field: str) -> str:
    return physical_name("a", app, entity, field)
