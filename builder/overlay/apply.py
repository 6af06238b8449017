"""Applying an overlay to a template version: the effective definition, or its conflicts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from builder.apps import definition_json
from builder.overlay.base import Change, Conflict, Note, OverlayError, Resolution, Status
from builder.overlay.document import Document, Json
from builder.overlay.model import Overlay
from builder.validate import DefinitionError, load_definition
from engine.definition import AppDefinition


@dataclass(frozen=True)
class ChangeOutcome:
    """What became of one change of the overlay."""

    ref: str
    kind: str
    description: str
    status: Status
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "kind": self.kind,
            "description": self.description,
            "status": self.status,
            "message": self.message,
        }


@dataclass(frozen=True)
class Applied:
    """The effective definition (None when the result does not load) and how it came about.

    Conflicting changes are left out of ``document``; a definition with
    conflicts is shown in plans, never installed or published.
    """

    definition: AppDefinition | None
    document: Json
    outcomes: tuple[ChangeOutcome, ...]
    conflicts: tuple[Conflict, ...]
    notes: tuple[Note, ...]

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.conflicts

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "changes": [o.to_json() for o in self.outcomes],
            "conflicts": [c.to_json() for c in self.conflicts],
            "notes": [n.to_json() for n in self.notes],
        }


def apply_overlay(
    base: AppDefinition,
    overlay: Overlay | Sequence[Change],
    resolutions: Mapping[str, Resolution] | None = None,
) -> Applied:
    """Apply the overlay's changes, in order, to ``base``.

    ``resolutions`` maps a change's ``ref`` to ``keep`` (the tenant's version
    wins a conflict that allows it) or ``drop`` (the change is left out). The
    result is loaded like any definition; what does not load is reported as
    conflicts of the result, with the changes that touch the same place.
    Touches no database.
    """
    changes = list(overlay.changes if isinstance(overlay, Overlay) else overlay)
    resolutions = dict(resolutions or {})
    unknown = set(resolutions) - {c.ref for c in changes}
    if unknown:
        raise OverlayError(f"no change is named {', '.join(sorted(unknown))}")
    doc = Document(definition_json(base), copy=False)
    outcomes: list[ChangeOutcome] = []
    conflicts: list[Conflict] = []
    notes: list[Note] = []
    for change in changes:
        resolution = resolutions.get(change.ref)
        if resolution == "drop":
            outcomes.append(ChangeOutcome(change.ref, change.kind, change.describe(), "dropped"))
            continue
        outcome = change.apply(doc, keep=resolution == "keep")
        outcomes.append(
            ChangeOutcome(
                change.ref, change.kind, change.describe(), outcome.status, outcome.message
            )
        )
        if outcome.status == "conflict":
            conflicts.append(
                Conflict(
                    change.ref,
                    change.target,
                    outcome.code or "conflict",
                    outcome.message or "",
                    ("keep", "drop") if outcome.can_keep else ("drop",),
                )
            )
        elif outcome.message is not None:
            notes.append(Note(change.ref, change.target, outcome.message))
    doc.data["key"], doc.data["version"] = base.key, base.version
    try:
        definition: AppDefinition | None = load_definition(doc.data)
    except DefinitionError as err:
        definition = None
        for issue in err.issues:
            entity, field, where = describe_path(doc.data, issue.path)
            related = tuple(c.ref for c in changes if entity and c.touches(entity, field))
            conflicts.append(Conflict(None, where, "invalid_result", issue.message, (), related))
    return Applied(definition, doc.data, tuple(outcomes), tuple(conflicts), tuple(notes))


_PATH = re.compile(r"^\$\.(entities|forms|views|roles)\[(\d+)\](?:\.fields\[(\d+)\])?(.*)$")


def describe_path(data: Json, path: str) -> tuple[str | None, str | None, str]:
    """A JSON path of the definition in keys: (entity, field, ``lead.source.expr``)."""
    match = _PATH.match(path)
    if match is None:
        return None, None, path
    part, index, field_index, rest = match.groups()
    items = data.get(part, [])
    if int(index) >= len(items):
        return None, None, path
    item = items[int(index)]
    if part == "entities":
        entity = str(item.get("key"))
        field = None
        if field_index is not None and int(field_index) < len(item.get("fields", [])):
            field = str(item["fields"][int(field_index)].get("key"))
        where = ".".join(p for p in (entity, field) if p)
        return entity, field, where + rest
    if part == "roles":
        return None, None, f"role:{item.get('key')}{rest}"
    entity = str(item.get("entity"))
    return entity, None, f"{part[:-1]}:{entity}.{item.get('key')}{rest}"
