"""Tenant customisations as an overlay on a template version (docs/templates.md).

``apply_overlay(base, overlay)`` gives the effective definition and the
conflicts (never guessed); ``diff_to_overlay(base, customised)`` derives the
overlay from what a tenant did in the builder. Each kind of change is one
small registered class (``change_kinds``).
"""

from builder.overlay.apply import Applied, ChangeOutcome, apply_overlay
from builder.overlay.base import Change, Conflict, Note, OverlayError, Resolution
from builder.overlay.diff import diff_to_overlay
from builder.overlay.model import (
    BUILTINS,
    AnyChange,
    Overlay,
    TemplateRef,
    change_kinds,
    parse_overlay,
)

__all__ = [
    "BUILTINS",
    "AnyChange",
    "Applied",
    "Change",
    "ChangeOutcome",
    "Conflict",
    "Note",
    "Overlay",
    "OverlayError",
    "Resolution",
    "TemplateRef",
    "apply_overlay",
    "change_kinds",
    "diff_to_overlay",
    "parse_overlay",
]
