"""The migration plan of a publish: what changes between two definitions of an app.

``compute_plan(published, draft, archives)`` compares the two definitions
(and what is archived, for restores) and returns a ``Plan``: typed
operations (``builder.operations``) in the order they must run, and the
problems that stop it before any data is looked at (an unsupported type
change, a rename from a field that does not exist). It touches no database;
``builder.publish`` runs the operations' data checks and applies them.

Identity of fields comes from their keys, plus ``renamed_from`` (the key a
field had) and ``restore_from`` (the key of an archived field to bring
back); a field that disappears is archived, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.dialects import postgresql

from builder.archive import Archive
from builder.ddl import column_ddl
from builder.operations import (
    AddEntity,
    AddField,
    AddIndex,
    ArchiveEntity,
    ArchiveField,
    ChangeDefinition,
    ChangeField,
    ChangeType,
    DropIndex,
    Operation,
    Problem,
    RecomputeFormulas,
    RenameField,
    RestoreEntity,
    RestoreField,
    Scope,
)
from builder.operations.change import unsupported_change
from builder.operations.entities import archived_entity_runtime
from builder.operations.fields import archived_field, stored_columns
from engine.definition import AppDefinition, EntityDef, FieldDef
from engine.forms import (
    AppRuntime,
    BoundField,
    ChildRows,
    Computed,
    EntityRuntime,
    ability,
    bind_field,
    build_runtime,
)
from engine.forms.authoring import child_table_name, entity_table_name
from engine.registry import UnknownKeyError

#: Column types are compared as PostgreSQL would declare them (the stricter of the two).
COMPARE_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]

#: Field properties with operations of their own, or that only identify the field.
NOT_OPTIONS = frozenset({"key", "renamed_from", "restore_from", "unique", "index", "fields"})

#: Formula options whose change means the stored values must be computed again.
FORMULA_INPUTS = frozenset({"expr", "result_type", "precision"})


@dataclass(frozen=True)
class Plan:
    app: str
    from_version: str
    to_version: str
    operations: tuple[Operation, ...]
    #: Problems found in the definitions alone; data checks come on top (``publish``).
    problems: tuple[Problem, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.operations and not self.problems

    def to_json(self, checks: Sequence[Problem] = ()) -> dict[str, Any]:
        problems = [*self.problems, *checks]
        return {
            "app": self.app,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "changes_data": any(op.changes_data for op in self.operations),
            "operations": [op.to_json() for op in self.operations],
            "blocking": [p.to_json() for p in problems if p.blocking],
            "warnings": [p.to_json() for p in problems if not p.blocking],
        }


def compute_plan(
    published: AppDefinition,
    draft: AppDefinition,
    archives: Sequence[Archive] = (),
    runtimes: tuple[AppRuntime, AppRuntime] | None = None,
) -> Plan:
    """The operations that turn the tables of ``published`` into those of ``draft``.

    ``runtimes`` (of ``published`` and ``draft``) saves building them again
    when the caller has them already.
    """
    old, new = runtimes or (build_runtime(published), build_runtime(draft))
    return _Differ(published, draft, archives, old, new).plan()


def next_version(published: str, draft: str) -> str:
    """The draft's version if it is newer, else the published one with the patch raised."""
    old, new = _semver(published), _semver(draft)
    if new > old:
        return draft
    return f"{old[0]}.{old[1]}.{old[2] + 1}"


def _semver(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def index_specs(table: Table) -> list[tuple[tuple[str, ...], bool]]:
    """A table's indexes and unique constraints as (columns, unique)."""
    specs = [(tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes]
    specs += [
        (tuple(c.name for c in constraint.columns), True)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return specs


@dataclass(frozen=True)
class _Tables:
    """A scope's physical table: before the publish, until renames, and in the end."""

    before: str | None
    early: str
    late: str


@dataclass(frozen=True)
class _Pair:
    """A field present on both sides (same key, renamed, or restored from an archive)."""

    old: FieldDef
    new: FieldDef
    path: str
    before_table: str | None
    before_column: str | None
    restored: Archive | None = None


@dataclass
class _ScopeDiff:
    renames: dict[str, str] = field(default_factory=dict)
    archived: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set)
    #: Keys whose values a type change converts.
    converted: set[str] = field(default_factory=set)
    pairs: list[_Pair] = field(default_factory=list)


class _Differ:
    def __init__(
        self,
        published: AppDefinition,
        draft: AppDefinition,
        archives: Sequence[Archive],
        old_runtime: AppRuntime,
        new_runtime: AppRuntime,
    ) -> None:
        self.old = published
        self.new = draft
        self.old_runtime = old_runtime
        self.new_runtime = new_runtime
        self.archives = [a for a in archives if a.reason == "removed"]
        self.ops: list[Operation] = []
        self.problems: list[Problem] = []
        self.parts: list[str] = []

    # -- the app ----------------------------------------------------------------------
    def plan(self) -> Plan:
        old_entities = {e.key: e for e in self.old.entities}
        new_keys = {e.key for e in self.new.entities}
        for entity in self.old.entities:
            if entity.key not in new_keys:
                self.ops.append(ArchiveEntity(entity))
        for i, entity in enumerate(self.new.entities):
            previous = old_entities.get(entity.key)
            if previous is not None:
                self._entity(entity, previous, f"$.entities[{i}]")
            else:
                self._new_entity(entity, f"$.entities[{i}]")
        self._definition_parts(old_entities)
        if self.parts:
            self.ops.append(ChangeDefinition(tuple(self.parts)))
        operations = tuple(sorted(self.ops, key=lambda op: (op.phase, op.order)))
        return Plan(
            self.new.key,
            self.old.version,
            next_version(self.old.version, self.new.version),
            operations,
            tuple(self.problems),
        )

    def _entity(self, entity: EntityDef, previous: EntityDef, path: str) -> None:
        name = entity_table_name(self.new.key, entity.key)
        old_entity = self.old_runtime.entities[entity.key]
        self._fields(
            Scope(entity.key),
            previous.fields,
            entity.fields,
            _Tables(name, name, name),
            path,
            old_entity,
            old_entity.table,
            lambda child: child,
        )

    def _new_entity(self, entity: EntityDef, path: str) -> None:
        archive = next(
            (a for a in self.archives if a.entity == entity.key and a.field is None), None
        )
        if archive is None:
            self.ops.append(AddEntity(entity))
            return
        self.ops.append(RestoreEntity(archive, entity))
        archived = EntityDef.model_validate(archive.definition)
        old_entity = archived_entity_runtime(self.new.key, archive).entities[entity.key]
        name = entity_table_name(self.new.key, entity.key)
        self._fields(
            Scope(entity.key),
            archived.fields,
            entity.fields,
            _Tables(archive.names.get(name), name, name),
            path,
            old_entity,
            old_entity.table,
            archive.names.get,
        )

    def _definition_parts(self, old_entities: dict[str, EntityDef]) -> None:
        # Everything but the entities (and the version) is definition: forms, views, roles…
        before = self.old.model_dump(mode="json", exclude={"entities", "version"})
        after = self.new.model_dump(mode="json", exclude={"entities", "version"})
        self.parts += sorted(
            k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
        )
        for entity in self.new.entities:
            previous = old_entities.get(entity.key)
            if previous is None:
                continue
            # Fields and indexes have operations of their own; anything else is definition.
            before = previous.model_dump(mode="json", exclude={"fields", "indexes"})
            after = entity.model_dump(mode="json", exclude={"fields", "indexes"})
            changed = sorted(
                k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
            )
            if changed:
                self.parts.append(f"{entity.key} ({', '.join(changed)})")

    # -- fields of one table ------------------------------------------------------------
    def _fields(
        self,
        scope: Scope,
        old_fields: Sequence[FieldDef],
        new_fields: Sequence[FieldDef],
        tables: _Tables,
        path: str,
        old_entity: EntityRuntime,
        old_table: Table | None,
        before_child: Callable[[str], str | None],
    ) -> bool:
        """Plan one table's fields; True if values its formulas read have changed."""
        diff = _ScopeDiff()
        old_by_key = {f.key: f for f in old_fields}
        new_keys = {f.key for f in new_fields}
        for i, defn in enumerate(new_fields):
            self._match(scope, defn, old_by_key, new_keys, tables, f"{path}.fields[{i}]", diff)
        for defn in old_fields:
            if defn.key not in new_keys and defn.key not in diff.renames:
                diff.archived.add(defn.key)
                self.ops.append(ArchiveField(scope, defn, tables.early))
        for pair in diff.pairs:
            self._field_change(scope, pair, old_entity, before_child, diff)
        new_table = scope.table(self.new_runtime)
        self._indexes(scope, tables, old_table, new_table, old_by_key, diff)
        self._recompute(scope, new_fields, diff)
        old_order = [diff.renames.get(f.key, f.key) for f in old_fields]
        common = [key for key in old_order if key in new_keys]
        if common != [f.key for f in new_fields if f.key in common]:
            self.parts.append(f"order of the fields of {scope.path}")
        return bool(diff.dirty)

    def _match(
        self,
        scope: Scope,
        defn: FieldDef,
        old_by_key: dict[str, FieldDef],
        new_keys: set[str],
        tables: _Tables,
        path: str,
        diff: _ScopeDiff,
    ) -> None:
        """Find what a field of the draft was: itself, a renamed field, an archive, or new."""
        previous = old_by_key.get(defn.key)
        if previous is not None:
            if defn.renamed_from not in (None, defn.key, previous.renamed_from):
                self._problem(
                    "rename_conflict",
                    f"{path}.renamed_from",
                    f"{defn.key!r} is already a field of the published version, so it cannot "
                    f"take over {defn.renamed_from!r} in the same publish: publish the two "
                    "changes one after the other",
                )
            diff.pairs.append(_Pair(previous, defn, path, tables.before, defn.key))
            return
        source = defn.renamed_from
        if source is None and defn.restore_from in old_by_key:
            source = defn.restore_from  # "restoring" a field still published is a rename
        if source is not None:
            error = None
            if source not in old_by_key:
                error = f"there is no field {source!r} in the published version of {scope.path}"
            elif source in new_keys:
                error = f"{source!r} is still a field, so no field can be renamed from it"
            elif source in diff.renames:
                error = f"another field is already renamed from {source!r}"
            if error is not None:
                self._problem("bad_rename", f"{path}.renamed_from", error)
                return
            diff.renames[source] = defn.key
            self.ops.append(RenameField(scope, source, defn, tables.early))
            diff.pairs.append(_Pair(old_by_key[source], defn, path, tables.before, source))
            return
        archive = self._field_archive(scope, defn)
        if archive is None and defn.restore_from is not None:
            self._problem(
                "nothing_to_restore",
                f"{path}.restore_from",
                f"nothing of {scope.path} is archived under {defn.restore_from!r}",
            )
            return
        if archive is None:
            diff.added.add(defn.key)
            if _is_computed(defn):
                diff.dirty.add(defn.key)
            self.ops.append(AddField(scope, defn))
            return
        self.ops.append(RestoreField(scope, archive, defn))
        original = FieldDef.model_validate(archive.definition)
        diff.dirty.add(defn.key)
        diff.pairs.append(
            _Pair(
                archived_field(archive, defn.key),
                defn,
                path,
                archive.table_name,
                archive.names.get(original.key),
                restored=archive,
            )
        )

    def _field_archive(self, scope: Scope, defn: FieldDef) -> Archive | None:
        for key in (defn.restore_from, defn.key):
            if key is None:
                continue
            for archive in self.archives:
                if (archive.entity, archive.subtable, archive.field) == (
                    scope.entity,
                    scope.subtable,
                    key,
                ):
                    return archive
        return None

    def _field_change(
        self,
        scope: Scope,
        pair: _Pair,
        old_entity: EntityRuntime,
        before_child: Callable[[str], str | None],
        diff: _ScopeDiff,
    ) -> None:
        """Plan the change of one field present on both sides (into ``diff``)."""
        try:
            old, new = bind_field(pair.old), bind_field(pair.new)
        except (UnknownKeyError, ValidationError) as err:
            self._problem("unreadable_field", pair.path, f"cannot compare the field: {err}")
            return
        if isinstance(old.type, ChildRows) and isinstance(new.type, ChildRows):
            if self._subtable_change(scope, pair, old, new, old_entity, before_child):
                diff.dirty.add(pair.new.key)
            return
        new_entity = self.new_runtime.entities[scope.entity]
        reason = unsupported_change(old, new, new_entity, new_entity)
        if reason is not None:
            self._problem("unsupported_change", f"{pair.path}.type", reason)
            return
        old_ddl = [column_ddl(c, COMPARE_DIALECT) for c in stored_columns(old, new_entity)]
        new_ddl = [column_ddl(c, COMPARE_DIALECT) for c in stored_columns(new, new_entity)]
        if pair.old.type != pair.new.type or old_ddl != new_ddl:
            self.ops.append(
                ChangeType(
                    scope,
                    pair.old,
                    pair.new,
                    pair.before_table,
                    pair.before_column or pair.new.key,
                )
            )
            diff.dirty.add(pair.new.key)
            diff.converted.add(pair.new.key)
            return
        changed = _changed_options(pair.old, pair.new)
        if isinstance(new.type, Computed) and changed & FORMULA_INPUTS:
            diff.dirty.add(pair.new.key)
            changed -= FORMULA_INPUTS
        if changed:
            self.ops.append(
                ChangeField(
                    scope,
                    pair.old,
                    pair.new,
                    tuple(sorted(changed)),
                    pair.before_table,
                    pair.before_column,
                )
            )

    def _subtable_change(
        self,
        scope: Scope,
        pair: _Pair,
        old: BoundField,
        new: BoundField,
        old_entity: EntityRuntime,
        before_child: Callable[[str], str | None],
    ) -> bool:
        """Plan a sub-table's own fields; True if values its parent's formulas read changed."""
        early = child_table_name(self.new.key, scope.entity, pair.old.key)
        late = child_table_name(self.new.key, scope.entity, pair.new.key)
        if pair.restored is not None:
            before: str | None = pair.restored.table_name
            old_entity = _restored_subtable_entity(self.new.key, scope.entity, pair.old)
        else:
            before = before_child(early)
        dirty = self._fields(
            Scope(scope.entity, pair.new.key),
            old.options.fields,
            new.options.fields,
            _Tables(before, early, late),
            pair.path,
            old_entity,
            old_entity.child_tables.get(pair.old.key),
            before_child,
        )
        changed = _changed_options(pair.old, pair.new)
        if changed:
            self.ops.append(ChangeField(scope, pair.old, pair.new, tuple(sorted(changed))))
        return dirty

    # -- indexes and formulas -----------------------------------------------------------
    def _indexes(
        self,
        scope: Scope,
        tables: _Tables,
        old_table: Table | None,
        new_table: Table,
        old_by_key: dict[str, FieldDef],
        diff: _ScopeDiff,
    ) -> None:
        old_specs: dict[tuple[tuple[str, ...], bool], tuple[str, ...]] = {}
        for columns, unique in index_specs(old_table) if old_table is not None else []:
            if diff.archived & set(columns):
                continue  # archiving a field drops what indexes its column
            mapped = tuple(diff.renames.get(c, c) for c in columns)
            old_specs[(mapped, unique)] = columns
        new_specs = index_specs(new_table)
        for (mapped, unique), columns in old_specs.items():
            if (mapped, unique) not in new_specs:
                single = old_by_key.get(columns[0]) if len(columns) == 1 else None
                self.ops.append(DropIndex(scope, tables.early, columns, unique, single))
        before = _before_columns(new_table, diff, tables.before)
        for columns, unique in new_specs:
            if (columns, unique) in old_specs:
                continue
            located = [before.get(c) for c in columns]
            if unique and tables.before is not None and all(located):
                before_columns = tuple(c for c in located if c is not None)
                self.ops.append(
                    AddIndex(scope, tables.late, columns, unique, tables.before, before_columns)
                )
            else:
                self.ops.append(AddIndex(scope, tables.late, columns, unique))

    def _recompute(self, scope: Scope, new_fields: Sequence[FieldDef], diff: _ScopeDiff) -> None:
        formulas = [b for b in _bound(new_fields) if isinstance(b.type, Computed)]
        if not formulas or not diff.dirty:
            return
        for bound in formulas:
            reads = ability(bound, Computed).depends_on(bound)
            if bound.key in diff.dirty or reads & diff.dirty:
                self.ops.append(RecomputeFormulas(scope, tuple(b.key for b in formulas)))
                return

    def _problem(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message))


def _bound(fields: Iterable[FieldDef]) -> list[BoundField]:
    return [bind_field(f) for f in fields]


def _is_computed(defn: FieldDef) -> bool:
    try:
        return isinstance(bind_field(defn).type, Computed)
    except (UnknownKeyError, ValidationError):
        return False


def _changed_options(old: FieldDef, new: FieldDef) -> set[str]:
    before = old.model_dump(mode="json", exclude_none=True)
    after = new.model_dump(mode="json", exclude_none=True)
    return {
        key
        for key in set(before) | set(after)
        if key not in NOT_OPTIONS and before.get(key) != after.get(key)
    }


def _restored_subtable_entity(app: str, entity: str, archived: FieldDef) -> EntityRuntime:
    runtime = build_runtime(
        AppDefinition(key=app, version="0.0.0", entities=[EntityDef(key=entity, fields=[archived])])
    )
    return runtime.entities[entity]


def _before_columns(new_table: Table, diff: _ScopeDiff, before_table: str | None) -> dict[str, str]:
    """Where each column's values are before the publish, when they are in ``before_table``."""
    located = {c.name: c.name for c in new_table.columns}
    for key in diff.added:
        located.pop(key, None)
    for pair in diff.pairs:
        located.pop(pair.new.key, None)
        if pair.before_table == before_table and pair.before_column is not None:
            located[pair.new.key] = pair.before_column
    for key in diff.converted:
        located.pop(key, None)  # converted values are checked by the type change itself
    return located


__all__ = ["Plan", "compute_plan", "index_specs", "next_version"]
