"""What the filter language offers, as data for the UI (style.md: the UI never
hard-codes engine knowledge): operators with labels, and operators per kind
and per field type."""

from __future__ import annotations

from typing import Any

from engine.forms.filters.kinds import KIND_OF_TYPE, KINDS, NOT_FILTERABLE, SYSTEM_KINDS, Kind
from engine.forms.filters.operators import operators


def catalogue() -> dict[str, Any]:
    """The body a ``GET /api/catalog/filters`` would answer with."""
    return {
        "operators": [operator.describe() for _, operator in operators.items()],
        "kinds": {kind.key: list(kind.operators) for kind in KINDS},
        "field_types": {
            key: entry.key if isinstance(entry, Kind) else "depends on the field's options"
            for key, entry in KIND_OF_TYPE.items()
        },
        "system_fields": {key: kind.key for key, kind in SYSTEM_KINDS.items()},
        "not_filterable": sorted(NOT_FILTERABLE),
    }


__all__ = ["catalogue"]
