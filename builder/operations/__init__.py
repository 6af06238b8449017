"""The kinds of step a publish plan is made of, one small class each.

``operation_kinds`` is the registry (``register_builtins()`` fills it once);
a plan is ordered by each kind's ``phase``.
"""

from __future__ import annotations

from builder.operations.base import (
    ApplyContext,
    Operation,
    PlanContext,
    PlanRefused,
    Problem,
    RecordProblem,
    Scope,
)
from builder.operations.change import ChangeType
from builder.operations.definition import ChangeDefinition, ChangeField
from builder.operations.entities import AddEntity, ArchiveEntity, RestoreEntity
from builder.operations.fields import AddField, ArchiveField, RenameField, RestoreField
from builder.operations.formulas import RecomputeFormulas
from builder.operations.indexes import AddIndex, DropIndex
from engine.registry import Registry

operation_kinds: Registry[type[Operation]] = Registry("migration operation")

BUILTINS: tuple[type[Operation], ...] = (
    RestoreEntity,
    RestoreField,
    DropIndex,
    ArchiveEntity,
    ArchiveField,
    RenameField,
    ChangeType,
    AddEntity,
    AddField,
    AddIndex,
    RecomputeFormulas,
    ChangeField,
    ChangeDefinition,
)


def register_builtins() -> None:
    for cls in BUILTINS:
        operation_kinds.register(cls.kind, cls)


register_builtins()

__all__ = [
    "BUILTINS",
    "AddEntity",
    "AddField",
    "AddIndex",
    "ApplyContext",
    "ArchiveEntity",
    "ArchiveField",
    "ChangeDefinition",
    "ChangeField",
    "ChangeType",
    "DropIndex",
    "Operation",
    "PlanContext",
    "PlanRefused",
    "Problem",
    "RecomputeFormulas",
    "RecordProblem",
    "RenameField",
    "RestoreEntity",
    "RestoreField",
    "Scope",
    "operation_kinds",
]
