"""The catalogue of what definitions may use, so the UI never hard-codes it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentPrincipal
from engine.expressions import FUNCTIONS
from engine.forms import field_type_registry, filter_catalogue

router = APIRouter(prefix="/api/catalog", tags=["catalog"])


@router.get("/field-types")
def list_field_types(_: CurrentPrincipal) -> list[dict[str, Any]]:
    return [field_type.describe() for _, field_type in field_type_registry.items()]


@router.get("/functions")
def list_functions(_: CurrentPrincipal) -> list[dict[str, Any]]:
    return [
        {
            "name": spec.name,
            "category": spec.category,
            "signature": spec.signature,
            "doc": spec.doc,
            "example": spec.example,
            "arity": spec.describe_arity(),
        }
        for spec in FUNCTIONS.values()
    ]


@router.get("/filters")
def list_filter_operators(_: CurrentPrincipal) -> Any:
    """Which filter operators apply to which field types (docs/filters.md)."""
    return filter_catalogue()
