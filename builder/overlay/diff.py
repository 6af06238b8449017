"""Deriving an overlay from a customised definition: what the tenant did, as changes.

Tenants customise in the builder (a draft, then a publish); the platform
keeps what they did as an overlay on the template version. ``diff_to_overlay``
compares the two definitions and says it in the finest kinds that fit — a
relabel, an added option, a field placed on a form — falling back to
replacing a whole form or view (with ``was``) only when nothing finer
describes the edit. Every change is applied as it is found, so each ``was``
is what the change met; the result is checked to reproduce the customised
definition exactly, or ``OverlayError`` says where it does not.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from builder.apps import definition_json
from builder.overlay.base import Change, OverlayError
from builder.overlay.document import Document, Json, option_value
from builder.overlay.entities import AddEntity, RemoveEntity, Reorder, part_id
from builder.overlay.fields import (
    APP_OWN,
    ENTITY_OWN,
    AddField,
    RemoveField,
    ReorderFields,
    SetProperty,
)
from builder.overlay.items import AddItem, RemoveItem, SetItem, is_keyed_list
from builder.overlay.labels import Relabel
from builder.overlay.layout import AddFormSection, HideField, PlaceField
from builder.overlay.model import Overlay, TemplateRef
from builder.overlay.options import AddOption
from builder.overlay.parts import (
    AddForm,
    AddRole,
    AddView,
    RemoveForm,
    RemoveRole,
    RemoveView,
    SetForm,
    SetPermission,
    SetView,
)
from engine.definition import AppDefinition

#: What identifies a definition rather than being customised.
IDENTITY = ("key", "version")


def diff_to_overlay(base: AppDefinition, customised: AppDefinition) -> Overlay:
    """The overlay that turns ``base`` into ``customised`` (keys and versions aside).

    ``apply_overlay(base, result)`` gives back ``customised``; this is checked
    before returning. Touches no database.
    """
    differ = _Differ(definition_json(base), definition_json(customised))
    differ.run()
    return Overlay(base=TemplateRef(key=base.key, version=base.version), changes=differ.changes)


def _content(data: Json) -> Json:
    return {k: v for k, v in data.items() if k not in IDENTITY}


def _is_choices(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(o, dict) and isinstance(o.get("value"), str) for o in value
    )


class _Differ:
    def __init__(self, base: Json, customised: Json) -> None:
        self.base = Document(base)
        self.doc = Document(base)
        self.target = Document(customised, copy=False)
        self.changes: list[Change] = []

    def run(self) -> None:
        self._app()
        self._entities()
        self._hides()
        self._forms()
        self._views()
        self._roles()
        self._orders()
        self._verify()

    # -- the mechanics --------------------------------------------------------------
    def emit(self, change: Change) -> None:
        outcome = change.apply(self.doc, keep=False)
        if outcome.status != "applied":
            raise OverlayError(f"{change.ref} does not apply to what it was derived from")
        self.changes.append(change)

    def attempt(self, candidates: Sequence[Change], done: Callable[[Document], bool]) -> bool:
        """Emit ``candidates`` if, applied to a scratch copy, they do exactly the job."""
        scratch = Document(self.doc.data)
        for change in candidates:
            if change.apply(scratch, keep=False).status != "applied":
                return False
        if not done(scratch):
            return False
        for change in candidates:
            self.emit(change)
        return True

    # -- the app and its entities ---------------------------------------------------
    def _app(self) -> None:
        before, after = self.doc.data, self.target.data
        if before.get("label") != after.get("label"):
            self.emit(Relabel(label=after.get("label"), was=_copy(before.get("label"))))
        for name in sorted((before.keys() | after.keys()) - APP_OWN):
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            if is_keyed_list(old) and is_keyed_list(new):
                self._items(name, list(old or []), list(new or []))
            else:
                self.emit(SetProperty(property=name, value=new, was=_copy(old)))

    def _items(self, part: str, before: list[Json], after: list[Json]) -> None:
        """A list of keyed items (actions, pools): item by item; ``_orders`` orders it."""
        wanted = [part_id(item) for item in after]
        for item in before:
            if part_id(item) not in wanted:
                self.emit(RemoveItem(part=part, id=part_id(item)))
        known = {part_id(item): item for item in before}
        for i, item in enumerate(after):
            old = known.get(part_id(item))
            if old is None:
                self.emit(AddItem(part=part, item=item, after=wanted[i - 1] if i else None))
            elif old != item:
                self.emit(SetItem(part=part, item=item, was=_copy(old)))

    def _entities(self) -> None:
        wanted = [e["key"] for e in self.target.entities]
        for entity in list(self.doc.entities):
            if entity["key"] not in wanted:
                self.emit(RemoveEntity(entity=entity["key"]))
        for i, entity in enumerate(self.target.entities):
            if self.doc.entity(entity["key"]) is None:
                self.emit(AddEntity(definition=entity, after=wanted[i - 1] if i else None))
            else:
                self._entity(entity)

    def _entity(self, wanted: Json) -> None:
        key = wanted["key"]
        current = self.doc.entity(key)
        assert current is not None
        if current.get("label") != wanted.get("label"):
            self.emit(
                Relabel(entity=key, label=wanted.get("label"), was=_copy(current.get("label")))
            )
        self._fields(key, None, wanted["fields"])
        for name in sorted((current.keys() | wanted.keys()) - ENTITY_OWN):
            if current.get(name) != wanted.get(name):
                self.emit(
                    SetProperty(
                        entity=key,
                        property=name,
                        value=wanted.get(name),
                        was=_copy(current.get(name)),
                    )
                )

    # -- fields -----------------------------------------------------------------------
    def _fields(self, entity: str, subtable: str | None, wanted: list[Json]) -> None:
        prefix = f"{subtable}." if subtable else ""
        keys = [f["key"] for f in wanted]
        for field in list(self.doc.fields(entity, subtable) or []):
            if field["key"] not in keys:
                self.emit(RemoveField(entity=entity, field=prefix + field["key"]))
        for i, field in enumerate(wanted):
            current = self.doc.field(entity, prefix + field["key"])
            if current is None:
                after = keys[i - 1] if i else None
                self.emit(AddField(entity=entity, subtable=subtable, field=field, after=after))
            else:
                self._field(entity, subtable, current, field)
        present = [f["key"] for f in self.doc.fields(entity, subtable) or []]
        if present != keys:
            self.emit(ReorderFields(entity=entity, subtable=subtable, order=keys))

    def _field(self, entity: str, subtable: str | None, current: Json, wanted: Json) -> None:
        path = f"{subtable}.{wanted['key']}" if subtable else wanted["key"]
        for name in sorted((current.keys() | wanted.keys()) - {"key"}):
            before, after = current.get(name), wanted.get(name)
            if before == after:
                continue
            if name == "label":
                self.emit(Relabel(entity=entity, field=path, label=after, was=_copy(before)))
            elif (
                name == "fields"
                and subtable is None
                and current.get("type") == wanted.get("type") == "subtable"
                and isinstance(before, list)
                and isinstance(after, list)
            ):
                self._fields(entity, wanted["key"], after)
            elif name == "options" and _is_choices(before) and _is_choices(after):
                self._options(entity, path, list(before or []), list(after or []))
            else:
                self.emit(
                    SetProperty(
                        entity=entity, field=path, property=name, value=after, was=_copy(before)
                    )
                )

    def _options(self, entity: str, path: str, before: list[Json], after: list[Json]) -> None:
        """Added options and relabelled ones, if that is all; else the whole list."""
        known = {option_value(o): o for o in before}
        values = [option_value(o) for o in after]
        candidates: list[Change] = []
        for i, option in enumerate(after):
            value = option_value(option)
            old = known.get(value)
            if old is None:
                after_value = values[i - 1] if i else None
                candidates.append(
                    AddOption(entity=entity, field=path, option=option, after=after_value)
                )
            elif old.get("label") != option.get("label"):
                candidates.append(
                    Relabel(
                        entity=entity,
                        field=path,
                        option=value,
                        label=option.get("label"),
                        was=_copy(old.get("label")),
                    )
                )

        def done(doc: Document) -> bool:
            field = doc.field(entity, path)
            return field is not None and field.get("options") == after

        if not self.attempt(candidates, done):
            self.emit(
                SetProperty(
                    entity=entity, field=path, property="options", value=after, was=_copy(before)
                )
            )

    # -- where fields show ------------------------------------------------------------
    def _hides(self) -> None:
        """Template fields the tenant took off every form and view."""
        for entity in self.target.entities:
            key = entity["key"]
            original = self.base.entity(key)
            if original is None:
                continue
            for field in original["fields"]:
                name = field["key"]
                if self.doc.field(key, name) is None or self.target.field(key, name) is None:
                    continue
                if self.doc.shown_in(key, name) and not self.target.shown_in(key, name):
                    self.emit(HideField(entity=key, field=name))

    def _forms(self) -> None:
        wanted = {(f["entity"], f["key"]) for f in self.target.forms}
        for form in list(self.doc.forms):
            if (form["entity"], form["key"]) not in wanted:
                self.emit(RemoveForm(entity=form["entity"], form=form["key"]))
        for form in self.target.forms:
            current = self.doc.form(form["entity"], form["key"])
            if current is None:
                self.emit(AddForm(form=form))
            elif current != form:
                self._form(current, form)

    def _form(self, current: Json, wanted: Json) -> None:
        entity, key = wanted["entity"], wanted["key"]
        candidates: list[Change] = []
        if current.get("label") != wanted.get("label"):
            candidates.append(
                Relabel(
                    entity=entity, form=key, label=wanted.get("label"), was=current.get("label")
                )
            )
        sections, new_sections = current["layout"], wanted["layout"]
        if len(new_sections) >= len(sections):
            for i, (section, new) in enumerate(zip(sections, new_sections, strict=False)):
                if section.get("section") != new.get("section"):
                    candidates.append(
                        Relabel(
                            entity=entity,
                            form=key,
                            section=i,
                            label=new.get("section"),
                            was=_copy(section.get("section")),
                        )
                    )
                for j, field in enumerate(new["fields"]):
                    if field not in section["fields"]:
                        after = new["fields"][j - 1] if j else None
                        candidates.append(
                            PlaceField(entity=entity, field=field, form=key, section=i, after=after)
                        )
            candidates += [
                AddFormSection(entity=entity, form=key, section=s)
                for s in new_sections[len(sections) :]
            ]
        if not self.attempt(candidates, lambda doc: doc.form(entity, key) == wanted):
            self.emit(SetForm(form=wanted, was=_copy(current)))

    def _views(self) -> None:
        wanted = {(v["entity"], v["key"]) for v in self.target.views}
        for view in list(self.doc.views):
            if (view["entity"], view["key"]) not in wanted:
                self.emit(RemoveView(entity=view["entity"], view=view["key"]))
        for view in self.target.views:
            current = self.doc.view(view["entity"], view["key"])
            if current is None:
                self.emit(AddView(view=view))
            elif current != view:
                self._view(current, view)

    def _view(self, current: Json, wanted: Json) -> None:
        entity, key = wanted["entity"], wanted["key"]
        candidates: list[Change] = []
        if current.get("label") != wanted.get("label"):
            candidates.append(
                Relabel(
                    entity=entity, view=key, label=wanted.get("label"), was=current.get("label")
                )
            )
        shown = "columns" if wanted.get("type") == "table" else "card_fields"
        fields = current.get(shown, [])
        for j, field in enumerate(wanted.get(shown, [])):
            if field not in fields:
                after = wanted[shown][j - 1] if j else None
                candidates.append(PlaceField(entity=entity, field=field, view=key, after=after))
        if not self.attempt(candidates, lambda doc: doc.view(entity, key) == wanted):
            self.emit(SetView(view=wanted, was=_copy(current)))

    # -- roles and orders -------------------------------------------------------------
    def _roles(self) -> None:
        wanted = {r["key"] for r in self.target.roles}
        for role in list(self.doc.roles):
            if role["key"] not in wanted:
                self.emit(RemoveRole(role=role["key"]))
        for role in self.target.roles:
            current = self.doc.role(role["key"])
            if current is None:
                self.emit(AddRole(role=role))
                continue
            if current.get("label") != role.get("label"):
                self.emit(
                    Relabel(
                        role=role["key"], label=role.get("label"), was=_copy(current.get("label"))
                    )
                )
            before = current.get("permissions", {})
            after = role.get("permissions", {})
            for entity in sorted(before.keys() | after.keys()):
                if before.get(entity) != after.get(entity):
                    self.emit(
                        SetPermission(
                            role=role["key"],
                            entity=entity,
                            permission=after.get(entity),
                            was=_copy(before.get(entity)),
                        )
                    )

    def _orders(self) -> None:
        lists = ["entities", "forms", "views", "roles"]
        lists += sorted(
            name
            for name, value in self.target.data.items()
            if name not in APP_OWN
            and is_keyed_list(value)
            and is_keyed_list(self.doc.data.get(name))
        )
        for part in lists:
            wanted = [part_id(item) for item in self.target.data.get(part, [])]
            present = [part_id(item) for item in self.doc.data.get(part, [])]
            if present != wanted:
                self.emit(Reorder(part=part, order=wanted))

    def _verify(self) -> None:
        got, wanted = _content(self.doc.data), _content(self.target.data)
        if got == wanted:
            return
        for name in sorted(got.keys() | wanted.keys()):
            if got.get(name) != wanted.get(name):
                raise OverlayError(f"the overlay does not reproduce the definition's {name!r}")


def _copy(value: Any) -> Any:
    return copy.deepcopy(value)
