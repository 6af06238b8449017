"""Changes of whole forms, views and roles (and of one role's access to an entity).

Fine-grained changes (placing a field, relabelling) are preferred when they
say what the tenant did; these cover the rest. A ``set_*`` records the value
it replaced in ``was``, so a template that changed the same form or view is
a conflict, never silently overwritten.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import TypeAdapter, field_validator

from builder.overlay.base import Change, Outcome, applied, conflict, missing, redundant, three_way
from builder.overlay.document import Document, Json
from engine.definition import EntityPermission, FormDef, Key, RoleDef, ViewDef

_VIEW: TypeAdapter[Any] = TypeAdapter(ViewDef)


def form_json(data: Any) -> Json:
    return FormDef.model_validate(data).model_dump(mode="json", exclude_none=True)


def view_json(data: Any) -> Json:
    dumped: Json = _VIEW.dump_python(_VIEW.validate_python(data), mode="json", exclude_none=True)
    return dumped


def role_json(data: Any) -> Json:
    return RoleDef.model_validate(data).model_dump(mode="json", exclude_none=True)


def permission_json(data: Any) -> Json | None:
    if data is None:
        return None
    return EntityPermission.model_validate(data).model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class _Kind:
    """How to reach one kind of part (forms, views) in a document."""

    name: str
    items: Callable[[Document], list[Json]]
    find: Callable[[Document, str, str], Json | None]


FORMS = _Kind("form", lambda doc: doc.forms, Document.form)
VIEWS = _Kind("view", lambda doc: doc.views, Document.view)


def _add(kind: _Kind, doc: Document, value: Json, keep: bool) -> Outcome:
    existing = kind.find(doc, value["entity"], value["key"])
    name = f"{kind.name} {value['entity']}.{value['key']}"
    if existing is None:
        kind.items(doc).append(copy.deepcopy(value))
        return applied()
    if existing == value:
        return redundant(f"the template now has the very same {kind.name}")
    if not keep:
        return conflict(
            "exists_in_template",
            f"the template now has a {name} of its own; keep the tenant's or drop it",
            can_keep=True,
        )
    _replace(kind.items(doc), existing, value)
    return Outcome("kept", f"the tenant's {kind.name} replaces the template's")


def _set(
    kind: _Kind, doc: Document, value: Json, was: Json | None, was_known: bool, keep: bool
) -> Outcome:
    existing = kind.find(doc, value["entity"], value["key"])
    if existing is None:
        if not keep:
            return conflict(
                "missing_target",
                f"the template no longer has the {kind.name} {value['entity']}.{value['key']} "
                "the tenant changed; keep re-adds the tenant's",
                can_keep=True,
            )
        kind.items(doc).append(copy.deepcopy(value))
        return Outcome("kept", f"the tenant's {kind.name} is added back")
    decided = three_way(existing, value, was, was_known, keep)
    if decided is not None and decided.status != "kept":
        return decided
    _replace(kind.items(doc), existing, value)
    return decided or applied()


def _remove(kind: _Kind, doc: Document, entity: str, key: str) -> Outcome:
    existing = kind.find(doc, entity, key)
    if existing is None:
        return redundant(f"the template no longer has the {kind.name} either")
    kind.items(doc).remove(existing)
    return applied()


def _replace(items: list[Json], existing: Json, value: Json) -> None:
    items[items.index(existing)] = copy.deepcopy(value)


class _WholePart(Change):
    """A change that carries a whole form or view (``part``); ``PART`` says which kind."""

    PART: ClassVar[_Kind]

    @property
    @abstractmethod
    def part(self) -> Json:
        """The form or view the change carries."""

    @property
    def entity(self) -> str:
        return str(self.part["entity"])

    @property
    def target(self) -> str:
        return f"{self.PART.name}:{self.part['entity']}.{self.part['key']}"


class _AddPart(_WholePart):
    """A form or view the tenant added."""

    def describe(self) -> str:
        return f"add the {self.target}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        return _add(self.PART, doc, self.part, keep)


class _RemovePart(Change):
    """A change that removes a form or view, named by its entity and ``key``."""

    PART: ClassVar[_Kind]
    entity: Key

    @property
    @abstractmethod
    def key(self) -> str:
        """The key of the form or view removed."""

    @property
    def target(self) -> str:
        return f"{self.PART.name}:{self.entity}.{self.key}"

    def describe(self) -> str:
        return f"remove the {self.target}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        return _remove(self.PART, doc, self.entity, self.key)


class AddForm(_AddPart):
    PART = FORMS
    kind: Literal["add_form"] = "add_form"
    form: Json

    _normal = field_validator("form")(form_json)

    @property
    def part(self) -> Json:
        return self.form


class SetForm(_WholePart):
    PART = FORMS
    kind: Literal["set_form"] = "set_form"
    form: Json
    # Here, not in a base class, so that the JSON keeps ``was`` after the form.
    was: Json | None = None

    _normal = field_validator("form")(form_json)

    @property
    def part(self) -> Json:
        return self.form

    def describe(self) -> str:
        return f"replace the {self.target} with the tenant's layout"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        return _set(FORMS, doc, self.form, self.was, "was" in self.model_fields_set, keep)


class RemoveForm(_RemovePart):
    PART = FORMS
    kind: Literal["remove_form"] = "remove_form"
    form: Key

    @property
    def key(self) -> str:
        return self.form


class AddView(_AddPart):
    PART = VIEWS
    kind: Literal["add_view"] = "add_view"
    view: Json

    _normal = field_validator("view")(view_json)

    @property
    def part(self) -> Json:
        return self.view

    def describe(self) -> str:
        return f"add the {self.view['type']} {self.target}"


class SetView(_WholePart):
    PART = VIEWS
    kind: Literal["set_view"] = "set_view"
    view: Json
    was: Json | None = None

    _normal = field_validator("view")(view_json)

    @property
    def part(self) -> Json:
        return self.view

    def describe(self) -> str:
        return f"replace the {self.target} with the tenant's"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        return _set(VIEWS, doc, self.view, self.was, "was" in self.model_fields_set, keep)


class RemoveView(_RemovePart):
    PART = VIEWS
    kind: Literal["remove_view"] = "remove_view"
    view: Key

    @property
    def key(self) -> str:
        return self.view


class AddRole(Change):
    kind: Literal["add_role"] = "add_role"
    role: Json

    _normal = field_validator("role")(role_json)

    @property
    def target(self) -> str:
        return f"role:{self.role['key']}"

    def describe(self) -> str:
        return f"add the {self.target}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        existing = doc.role(self.role["key"])
        if existing is None:
            doc.roles.append(copy.deepcopy(self.role))
            return applied()
        if existing == self.role:
            return redundant("the template now has the very same role")
        if not keep:
            return conflict(
                "exists_in_template",
                f"the template now has a role {self.role['key']!r} of its own; "
                "keep the tenant's or drop it",
                can_keep=True,
            )
        _replace(doc.roles, existing, self.role)
        return Outcome("kept", "the tenant's role replaces the template's")


class SetPermission(Change):
    """What one role may do with one entity (None: nothing granted)."""

    kind: Literal["set_permission"] = "set_permission"
    role: Key
    entity: Key
    permission: Json | None
    was: Json | None = None

    @field_validator("permission", "was")
    @classmethod
    def _normal(cls, data: Any) -> Json | None:
        return permission_json(data)

    @property
    def target(self) -> str:
        return f"role:{self.role}/{self.entity}"

    def describe(self) -> str:
        if self.permission is None:
            return f"take {self.entity} away from the role {self.role}"
        return f"set what the role {self.role} may do with {self.entity}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        role = doc.role(self.role)
        if role is None:
            return missing(f"the role {self.role}")
        permissions: Json = role.setdefault("permissions", {})
        current = permissions.get(self.entity)
        decided = three_way(
            current, self.permission, self.was, "was" in self.model_fields_set, keep
        )
        if decided is not None and decided.status != "kept":
            return decided
        if self.permission is None:
            permissions.pop(self.entity, None)
        else:
            permissions[self.entity] = copy.deepcopy(self.permission)
        return decided or applied()


class RemoveRole(Change):
    kind: Literal["remove_role"] = "remove_role"
    role: Key

    @property
    def target(self) -> str:
        return f"role:{self.role}"

    def describe(self) -> str:
        return f"remove the {self.target}"

    def apply(self, doc: Document, keep: bool) -> Outcome:
        existing = doc.role(self.role)
        if existing is None:
            return redundant("the template no longer has the role either")
        doc.roles.remove(existing)
        return applied()
