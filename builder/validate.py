"""Loading an app definition: every error at once, each with its JSON path.

Three passes, so that a designer fixing a definition sees everything wrong
in one go: the shape (Pydantic), each field's type options (the field type's
own ``Options`` model and ``check_definition``), and cross-references
(titles, forms, views, roles, indexes, expressions, record actions and
pools — the last two by their own engine, ``engine.actions``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.actions.checks import CheckContext
from engine.actions.pools import check_pools
from engine.actions.registry import check_actions
from engine.definition import (
    CHILD_ROW_COLUMNS,
    ENTITY_COLUMNS,
    MAX_DEFINITION_BYTES,
    MAX_DEFINITION_DEPTH,
    MAX_OPTION_ITEMS,
    MAX_SUB_FIELDS,
    RESERVED_APP_KEYS,
    RESERVED_ENTITY_KEYS,
    SYSTEM_FIELDS,
    AppDefinition,
    EntityDef,
    FieldDef,
)
from engine.errors import DomainError
from engine.expressions import ExpressionError, compile_expression
from engine.forms import BoundField, ChildRows, FieldInvalid, bind_field, build_runtime
from engine.forms.authoring import DefinitionContext, check_view_filters, computation_order
from engine.i18n import Message
from engine.i18n.validation import validation_message
from engine.registry import UnknownKeyError
from engine.rules import check_rules


@dataclass(frozen=True)
class DefinitionIssue:
    path: str
    message: str


class DefinitionError(DomainError, ValueError):
    """An app definition that is not valid; ``issues`` names every problem (422)."""

    status = 422
    title = "Invalid input"

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        super().__init__("\n".join(f"{i.path}: {i.message}" for i in issues))
        self.issues = issues

    def problem_detail(self) -> str:
        return Message("publish.invalid")

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": i.path, "message": i.message} for i in self.issues]


def json_path(location: tuple[int | str, ...]) -> str:
    path = "$"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def shape_path(error: Mapping[str, Any], base: str) -> str:
    """Where one of pydantic's errors is, below ``base`` (``$.entities[2].fields[5].type``).

    A tagged union's unknown or missing tag (a view's ``type``) is the tag's
    own path, not the object's.
    """
    # A union's member is named in the location ("literal['own','all']", "int"
    # once it parsed): the first kind is no key of a definition, and left out.
    location = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    path = base + json_path(location)[1:]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        tag = str((error.get("ctx") or {}).get("discriminator", "")).strip("'")
        if tag.isidentifier():
            path += f".{tag}"
    return path


def _too_deep(data: Any) -> bool:
    """Whether objects and lists nest deeper than ``MAX_DEFINITION_DEPTH``.

    Walked with a stack, not recursion: the point is to refuse what would
    exhaust the recursion of the parsers and serialisers that come after.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEFINITION_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


#: What no stored definition can hold: NUL (PostgreSQL's JSONB refuses it) and
#: lone surrogates (JSON escapes like ``\\ud800`` that UTF-8 cannot encode).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(data: Any) -> DefinitionIssue | None:
    """The first key or text of ``data`` that cannot be stored, with its path.

    Walked with a stack after ``_too_deep``; a lone surrogate made encoding
    the definition raise (a 500), a NUL made PostgreSQL refuse it (a 422
    naming nothing).
    """
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while stack:
        value, location = stack.pop()
        if isinstance(value, str):
            found = _UNSTORABLE.search(value)
            if found is not None:
                if found.group() == "\x00":
                    return DefinitionIssue(json_path(location), "must not contain NUL characters")
                message = "must be valid Unicode text (it holds a lone surrogate)"
                return DefinitionIssue(json_path(location), message)
        elif isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    where = json_path(location)
                    return DefinitionIssue(where, "has a key that is not storable text")
                stack.append((child, (*location, key)))
        elif isinstance(value, list):
            stack.extend((child, (*location, i)) for i, child in enumerate(value))
    return None


def _check_bounds(data: Any) -> None:
    """Refuse a definition too large or too deep to be worth parsing further."""
    if _too_deep(data):
        raise DefinitionError(
            [DefinitionIssue("$", Message("publish.too_deep", max=MAX_DEFINITION_DEPTH))]
        )
    issue = _unstorable(data)
    if issue is not None:
        raise DefinitionError([issue])
    size = len(json.dumps(data, ensure_ascii=False).encode())
    if size > MAX_DEFINITION_BYTES:
        raise DefinitionError(
            [
                DefinitionIssue(
                    "$",
                    Message("publish.too_big", size=f"{size:,}", max=f"{MAX_DEFINITION_BYTES:,}"),
                )
            ]
        )


def load_definition(data: Any) -> AppDefinition:
    """Parse and check a definition given as JSON text, bytes or a decoded object.

    Everything wrong raises one ``DefinitionError`` listing each issue with its
    JSON path; a definition that passes fits the database (``engine.definition``'s
    bounds: fields per entity, key names, sizes), so installing or publishing
    it cannot fail on the definition's shape.
    """
    if isinstance(data, str | bytes):
        if len(data) > MAX_DEFINITION_BYTES:
            raise DefinitionError(
                [
                    DefinitionIssue(
                        "$", Message("publish.max_bytes", max=f"{MAX_DEFINITION_BYTES:,}")
                    )
                ]
            )
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, RecursionError, UnicodeDecodeError) as err:
            raise DefinitionError(
                [DefinitionIssue("$", Message("publish.json", reason=str(err)))]
            ) from None
    _check_bounds(data)
    try:
        definition = AppDefinition.model_validate(data)
    except ValidationError as err:
        raise DefinitionError(
            [DefinitionIssue(shape_path(e, "$"), validation_message(e)) for e in err.errors()]
        ) from None
    issues = list(check_definition(definition))
    if issues:
        raise DefinitionError(issues)
    return definition


def load_definition_file(path: Path) -> AppDefinition:
    return load_definition(path.read_text(encoding="utf-8"))


def _duplicates(keys: list[str]) -> set[str]:
    return {k for k in keys if keys.count(k) > 1}


def check_definition(app: AppDefinition) -> Iterator[DefinitionIssue]:
    found = False
    for issue in _check_structure(app):
        found = True
        yield issue
    if not found:
        # Filters and rules bind to the entities' runtime, which only a sound
        # definition has.
        yield from _check_view_filters(app)
        yield from _check_rules(app)


def _check_structure(app: AppDefinition) -> Iterator[DefinitionIssue]:
    if app.key in RESERVED_APP_KEYS:
        yield DefinitionIssue("$.key", Message("publish.reserved_app", key=repr(app.key)))
    for key in _duplicates([e.key for e in app.entities]):
        yield DefinitionIssue("$.entities", Message("publish.duplicate_entity", key=repr(key)))
    for ei, entity in enumerate(app.entities):
        if entity.key in RESERVED_ENTITY_KEYS:
            yield DefinitionIssue(
                f"$.entities[{ei}].key",
                Message("publish.reserved_entity", key=repr(entity.key), entity=entity.key),
            )
        yield from _check_entity(app, entity, f"$.entities[{ei}]")
    yield from _check_forms(app)
    yield from _check_views(app)
    yield from _check_roles(app)
    yield from _check_actions_and_pools(app)


def _check_rules(app: AppDefinition) -> Iterator[DefinitionIssue]:
    """Rules: each trigger and effect checks its own settings (engine.rules)."""
    if not app.rules:
        return
    runtime = build_runtime(app)
    for path, message in check_rules(runtime):
        yield DefinitionIssue(path, message)


def _check_view_filters(app: AppDefinition) -> Iterator[DefinitionIssue]:
    if not any(view.filter is not None for view in app.views):
        return
    runtime = build_runtime(app)
    for path, message in check_view_filters(app, runtime):
        yield DefinitionIssue(path, message)


def _bind_fields(
    fields: list[FieldDef], base: str
) -> tuple[list[tuple[str, BoundField]], list[DefinitionIssue]]:
    """Bind each field to its type; report unknown types and bad options."""
    bound_fields: list[tuple[str, BoundField]] = []
    issues: list[DefinitionIssue] = []
    for fi, defn in enumerate(fields):
        path = f"{base}.fields[{fi}]"
        try:
            bound_fields.append((path, bind_field(defn)))
        except UnknownKeyError as err:
            known = ", ".join(err.known)
            message = Message("publish.unknown_type", key=repr(err.key), known=known)
            issues.append(DefinitionIssue(f"{path}.type", message))
        except ValidationError as err:
            issues.extend(
                DefinitionIssue(shape_path(e, path), validation_message(e)) for e in err.errors()
            )
    return bound_fields, issues


def _check_entity(app: AppDefinition, entity: EntityDef, base: str) -> Iterator[DefinitionIssue]:
    keys = [f.key for f in entity.fields]
    for key in _duplicates(keys):
        yield DefinitionIssue(f"{base}.fields", Message("publish.duplicate_field", key=repr(key)))
    ctx = DefinitionContext(app, entity)
    bound_fields, issues = _bind_fields(entity.fields, base)
    yield from issues
    for path, bound in bound_fields:
        if bound.key in ENTITY_COLUMNS:
            yield DefinitionIssue(
                f"{path}.key", Message("publish.system_field", key=repr(bound.key))
            )
        yield from _check_option_sizes(bound.defn, path)
        if isinstance(bound.type, ChildRows):
            yield from _check_sub_fields(bound, path)
        for suffix, message in bound.type.check_definition(bound, ctx):
            yield DefinitionIssue(path + suffix, message)
        yield from _check_field_expressions(bound, set(keys), path)
    bound_by_key = {bound.key: bound for _, bound in bound_fields}
    try:
        computation_order([b for b in bound_by_key.values() if b.defn.type == "formula"])
    except (ValueError, ExpressionError) as err:
        yield DefinitionIssue(f"{base}.fields", str(err))
    if entity.title_field is not None and entity.title_field not in keys:
        yield DefinitionIssue(
            f"{base}.title_field", Message("publish.unknown_field", key=repr(entity.title_field))
        )
    yield from _check_owner_field(entity, base)
    yield from _check_related(app, entity, base)
    for ii, index in enumerate(entity.indexes):
        for column in index:
            field = bound_by_key.get(column)
            if column not in SYSTEM_FIELDS and (field is None or not field.type.stored):
                yield DefinitionIssue(
                    f"{base}.indexes[{ii}]", Message("publish.not_stored", key=repr(column))
                )


def _check_related(app: AppDefinition, entity: EntityDef, base: str) -> Iterator[DefinitionIssue]:
    """Each related list names an entity with a link field pointing here (``via`` if several)."""
    for ri, related in enumerate(entity.related):
        path = f"{base}.related[{ri}]"
        other = app.entity(related.entity)
        if other is None:
            yield DefinitionIssue(
                f"{path}.entity", Message("publish.unknown_entity", key=repr(related.entity))
            )
            continue
        links = [
            f.key
            for f in other.fields
            if f.type == "link" and f.options.get("target") == entity.key
        ]
        if related.via is None:
            if len(links) != 1:
                found = (
                    Message("publish.no_link")
                    if not links
                    else Message("publish.n_links", count=len(links))
                )
                message = Message(
                    "publish.name_via",
                    entity=repr(related.entity),
                    found=found,
                    target=repr(entity.key),
                )
                yield DefinitionIssue(path, message)
        elif related.via not in links:
            yield DefinitionIssue(
                f"{path}.via",
                Message(
                    "publish.not_a_link",
                    entity=related.entity,
                    via=related.via,
                    target=repr(entity.key),
                ),
            )


def _check_option_sizes(defn: FieldDef, path: str) -> Iterator[DefinitionIssue]:
    """No list among a field's type options is longer than ``MAX_OPTION_ITEMS``."""
    for name, value in defn.options.items():
        if isinstance(value, list) and len(value) > MAX_OPTION_ITEMS:
            yield DefinitionIssue(
                f"{path}.{name}",
                Message(
                    "publish.option_items", count=f"{len(value):,}", max=f"{MAX_OPTION_ITEMS:,}"
                ),
            )


def _check_sub_fields(bound: BoundField, path: str) -> Iterator[DefinitionIssue]:
    """A sub-table's fields become columns of its child table: bounded, no system names."""
    sub_fields: list[FieldDef] = getattr(bound.options, "fields", [])
    if len(sub_fields) > MAX_SUB_FIELDS:
        yield DefinitionIssue(f"{path}.fields", Message("publish.sub_fields", max=MAX_SUB_FIELDS))
    for i, sub in enumerate(sub_fields):
        if sub.key in CHILD_ROW_COLUMNS:
            yield DefinitionIssue(
                f"{path}.fields[{i}].key", Message("publish.system_field", key=repr(sub.key))
            )
        yield from _check_option_sizes(sub, f"{path}.fields[{i}]")


def _check_owner_field(entity: EntityDef, base: str) -> Iterator[DefinitionIssue]:
    """The owner decides the ``own``/``department`` scopes: it must name one person."""
    owner = entity.owner_field
    if owner is None or owner == "created_by":
        return
    field = next((f for f in entity.fields if f.key == owner), None)
    if field is None:
        yield DefinitionIssue(
            f"{base}.owner_field", Message("publish.unknown_field", key=repr(owner))
        )
    elif field.type != "user":
        yield DefinitionIssue(
            f"{base}.owner_field",
            Message("publish.owner_type", key=repr(owner), type=field.type),
        )


def _check_field_expressions(
    bound: BoundField, names: set[str], path: str
) -> Iterator[DefinitionIssue]:
    for attr in ("visible_when", "required_when", "readonly_when"):
        source = getattr(bound.defn, attr)
        if source is not None:
            try:
                compile_expression(source, names=names)
            except ExpressionError as err:
                yield DefinitionIssue(f"{path}.{attr}", err.message)
    default = bound.defn.default
    if default is None:
        return
    if not bound.type.writable:
        yield DefinitionIssue(
            f"{path}.default", Message("publish.no_default", type=bound.defn.type)
        )
    elif isinstance(default, str) and default.startswith("="):
        try:
            compile_expression(default, names=set())
        except ExpressionError as err:
            yield DefinitionIssue(f"{path}.default", err.message)
    else:
        try:
            bound.type.coerce(default, bound)
        except FieldInvalid as err:
            yield DefinitionIssue(f"{path}.default", err.message)


def _entity_fields(app: AppDefinition, entity_key: str) -> set[str] | None:
    entity = app.entity(entity_key)
    return None if entity is None else {f.key for f in entity.fields}


def _field_type(app: AppDefinition, entity_key: str, field_key: str) -> str | None:
    for entity in app.entities:
        if entity.key == entity_key:
            return next((f.type for f in entity.fields if f.key == field_key), None)
    return None


def _check_forms(app: AppDefinition) -> Iterator[DefinitionIssue]:
    for key in _duplicates([f"{f.entity}.{f.key}" for f in app.forms]):
        yield DefinitionIssue("$.forms", Message("publish.duplicate_form", key=repr(key)))
    for i, form in enumerate(app.forms):
        fields = _entity_fields(app, form.entity)
        if fields is None:
            yield DefinitionIssue(
                f"$.forms[{i}].entity", Message("publish.unknown_entity", key=repr(form.entity))
            )
            continue
        for si, section in enumerate(form.layout):
            for fi, key in enumerate(section.fields):
                if key not in fields:
                    yield DefinitionIssue(
                        f"$.forms[{i}].layout[{si}].fields[{fi}]",
                        Message("publish.unknown_field_of", key=repr(key), entity=form.entity),
                    )


def _check_views(app: AppDefinition) -> Iterator[DefinitionIssue]:
    for key in _duplicates([f"{v.entity}.{v.key}" for v in app.views]):
        yield DefinitionIssue("$.views", Message("publish.duplicate_view", key=repr(key)))
    for i, view in enumerate(app.views):
        fields = _entity_fields(app, view.entity)
        if fields is None:
            yield DefinitionIssue(
                f"$.views[{i}].entity", Message("publish.unknown_entity", key=repr(view.entity))
            )
            continue
        known = fields | set(SYSTEM_FIELDS)
        for si, item in enumerate(view.sort):
            if item.lstrip("+-") not in known:
                yield DefinitionIssue(
                    f"$.views[{i}].sort[{si}]", Message("publish.unknown_field", key=repr(item))
                )
        if view.type == "table":
            for ci, key in enumerate(view.columns):
                if key not in known:
                    yield DefinitionIssue(
                        f"$.views[{i}].columns[{ci}]",
                        Message("publish.unknown_field", key=repr(key)),
                    )
        else:
            group = _field_type(app, view.entity, view.group_by)
            if group is None:
                yield DefinitionIssue(
                    f"$.views[{i}].group_by",
                    Message("publish.unknown_field", key=repr(view.group_by)),
                )
            elif group != "select":
                yield DefinitionIssue(
                    f"$.views[{i}].group_by",
                    Message("publish.kanban_group", key=repr(view.group_by), type=group),
                )
            for ci, key in enumerate(view.card_fields):
                if key not in known:
                    yield DefinitionIssue(
                        f"$.views[{i}].card_fields[{ci}]",
                        Message("publish.unknown_field", key=repr(key)),
                    )


def _check_roles(app: AppDefinition) -> Iterator[DefinitionIssue]:
    for key in _duplicates([r.key for r in app.roles]):
        yield DefinitionIssue("$.roles", Message("publish.duplicate_role", key=repr(key)))
    for i, role in enumerate(app.roles):
        for entity_key, permission in role.permissions.items():
            path = f"$.roles[{i}].permissions.{entity_key}"
            fields = _entity_fields(app, entity_key)
            if fields is None:
                yield DefinitionIssue(path, Message("publish.unknown_entity", key=repr(entity_key)))
                continue
            for key in permission.fields:
                if key not in fields:
                    yield DefinitionIssue(
                        f"{path}.fields.{key}", Message("publish.unknown_field", key=repr(key))
                    )


def _check_actions_and_pools(app: AppDefinition) -> Iterator[DefinitionIssue]:
    """Record actions and pools: each type checks its own options (engine.actions)."""
    ctx = CheckContext(app)
    for path, message in check_pools(app, ctx):
        yield DefinitionIssue(path, message)
    for path, message in check_actions(app, ctx):
        yield DefinitionIssue(path, message)
