"""Template versions: a full definition, or a change set on an earlier version.

``templates/<key>/app.json`` holds the current version of a bundled
template. A new version can also be given as a *change set*: the overlay
format with the version it produces —
``{"format": 1, "base": {"key": "crm", "version": "1.0.0"}, "version": "1.1.0",
"changes": [...]}`` — applied to its base version, which must apply cleanly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from builder.overlay import AnyChange, TemplateRef, apply_overlay
from builder.validate import DefinitionError, DefinitionIssue, load_definition, shape_path
from engine.definition import AppDefinition
from engine.errors import DomainError
from engine.i18n.validation import validation_message

#: Finds a template version by (key, version), or None.
BaseLookup = Callable[[TemplateRef], AppDefinition | None]


class TemplateError(DomainError, ValueError):
    """A template version that cannot be loaded; the message says why (422)."""

    status = 422
    title = "Invalid input"

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": "template", "message": str(self)}]


class ChangeSet(BaseModel):
    """A template version as changes to the version before it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    base: TemplateRef
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    changes: list[AnyChange] = Field(min_length=1)


def is_change_set(data: Any) -> bool:
    return isinstance(data, dict) and "changes" in data and "entities" not in data


def load_template(data: Any, bases: BaseLookup) -> AppDefinition:
    """A template version from a definition or a change set (JSON text or decoded).

    Raises ``DefinitionError`` for a malformed document and ``TemplateError``
    when a change set's base is unavailable or does not take its changes.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as err:
            raise DefinitionError([DefinitionIssue("$", f"not valid JSON: {err}")]) from None
    if not is_change_set(data):
        return load_definition(data)
    try:
        change_set = ChangeSet.model_validate(data)
    except ValidationError as err:
        raise DefinitionError(
            [DefinitionIssue(shape_path(e, "$"), validation_message(e)) for e in err.errors()]
        ) from None
    base = bases(change_set.base)
    if base is None:
        raise TemplateError(
            f"the change set applies to {change_set.base}, which is neither the app's "
            "template version nor a bundled template"
        )
    applied = apply_overlay(base, change_set.changes)
    if not applied.ok or applied.definition is None:
        problems = "; ".join(f"{c.ref or c.path}: {c.message}" for c in applied.conflicts)
        raise TemplateError(f"the change set does not apply to {change_set.base}: {problems}")
    return applied.definition.model_copy(update={"version": change_set.version})


def load_template_file(path: Path, bases: BaseLookup) -> AppDefinition:
    return load_template(path.read_text(encoding="utf-8"), bases)


def bundled_template(templates: Path, key: str) -> AppDefinition | None:
    """The current version of the bundled template ``key`` (``templates/<key>/app.json``)."""
    if re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key) is None:
        return None
    path = templates / key / "app.json"
    return load_definition(path.read_text(encoding="utf-8")) if path.is_file() else None


def template_version(
    templates: Path,
    base: AppDefinition,
    version: str,
    given: Any = None,
    where: str = "the given template",
) -> AppDefinition:
    """The version ``version`` of the template ``base`` belongs to.

    From ``given`` (a definition or a change set, as JSON text or decoded),
    else the bundled ``templates/<key>/app.json``. A change set may build on
    ``base`` itself or on the bundled version. Raises ``TemplateError`` when
    the version found is not ``version``.
    """

    def bases(ref: TemplateRef) -> AppDefinition | None:
        if (ref.key, ref.version) == (base.key, base.version):
            return base
        bundled = bundled_template(templates, ref.key)
        if bundled is not None and bundled.version == ref.version:
            return bundled
        return None

    if given is not None:
        template = load_template(given, bases)
    else:
        found = bundled_template(templates, base.key)
        where = f"templates/{base.key}/app.json"
        if found is None:
            raise TemplateError(f"there is no bundled template {base.key!r}: give the new version")
        template = found
    if template.version != version:
        raise TemplateError(
            f"{where} is {template.key} {template.version}, not {version}: "
            f"give the {version} definition or a change set that produces it"
        )
    return template
