"""What the filter language offers, as data for the UI (style.md: the UI never
hard-codes engine knowledge): operators with labels, and operators per kind
and per field type."""

from __future__ import annotations

from typing import Any

from engine.forms.field_types.base import DERIVED
from engine.forms.filters.kinds import KINDS, SYSTEM_KINDS
from engine.forms.filters.operators import operators
from engine.forms.registry import field_types


def catalogue() -> dict[str, Any]:
    """The body a ``GET /api/catalog/filters`` would answer with."""
    return {
        "operators": [operator.describe() for _, operator in operators.items()],
        "kinds": {kind.key: list(kind.operators) for kind in KINDS},
        "field_types": {
            key: "depends on the field's options" if t.filter_kind == DERIVED else t.filter_kind
            for key, t in field_types.items()
            if t.filter_kind is not None
        },
        "system_fields": {key: kind.key for key, kind in SYSTEM_KINDS.items()},
        "not_filterable": sorted(key for key, t in field_types.items() if t.filter_kind is None),
    }


__all__ = ["catalogue"]
