"""A record's history as people read it: field labels, display values, named actions.

``GuardedReads.history`` answers the audit rows of a record with raw keys and
ids (fields hidden from the reader already left out). This module adds, without
renaming any of those members, what a timeline shows:

* each entry's ``title``: what happened, named (``认领 / Claimed``,
  ``转化 / Converted``, ``退回公海 / Returned to the pool``, the definition's label
  of any other action), with ``action_key`` and ``action_type`` for actions;
* each change's ``label`` (the field's label; the key for a field no longer in
  the definition) and, for fields whose stored value is not what people read,
  ``from_display``/``to_display``: option labels of selects, names of users,
  titles of linked records (one query per field for the whole history).

Labels are the definition's (a string or ``{"zh-CN": …, "en": …}``): the client
picks the reader's language, as it does for every label of the definition.

Writes made by rules are audited under the user whose write started them; the
audit row's ``via`` (``engine.forms.via``) keeps what wrote them, and each entry
has it with ``via_label``, a text in the reader's language: "by rule “…”" (the
rule's label in the published definition, its key once the rule is gone),
"by action “…”", "via import", "bulk edit", … Only definition labels and
catalogue texts: never a value or the title of a record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.definition import AppDefinition, Label
from engine.forms.field_types.abilities import References, ability
from engine.forms.field_types.base import BoundField
from engine.forms.guard import GuardedReads
from engine.forms.via import (
    VIA_FORMULA_BACKFILL,
    VIA_IMPORT,
    VIA_POOL_AUTO_RETURN,
    split_via,
    via_action,
)
from engine.i18n import DEFAULT, Message, translate

#: What each kind of audit row is called.
RECORD_ACTIONS: Mapping[str, Label] = {
    "create": {"zh-CN": "创建", "en": "Created"},
    "update": {"zh-CN": "修改", "en": "Changed"},
    "delete": {"zh-CN": "删除", "en": "Deleted"},
    "restore": {"zh-CN": "恢复", "en": "Restored"},
    "purge": {"zh-CN": "彻底删除", "en": "Deleted for good"},
}

#: Actions named by their type, whatever the definition labels the button
#: ("转化为客户" is the button; the history says what happened: converted).
ACTION_TYPES: Mapping[str, Label] = {
    "claim": {"zh-CN": "认领", "en": "Claimed"},
    "convert": {"zh-CN": "转化", "en": "Converted"},
    "return_to_pool": {"zh-CN": "退回公海", "en": "Returned to the pool"},
    "assign": {"zh-CN": "分配", "en": "Assigned"},
}

#: Actions the system runs without a definition entry (``engine.actions.stale``).
SYSTEM_ACTIONS: Mapping[str, Label] = {
    "auto_return": {"zh-CN": "自动退回公海", "en": "Returned to the pool automatically"},
}


def readable_history(
    records: GuardedReads, record_id: int, lang: str = DEFAULT
) -> list[dict[str, Any]]:
    """The record's history (``GuardedReads.history``) with titles, labels and display values.

    Same access as the raw history: 404 outside the read scope, hidden fields
    left out; titles of linked records hidden from the reader are not shown.
    ``via_label`` is in ``lang``.
    """
    entries = records.history(record_id)
    entity = records.entity
    shown = _displays(records, entries)
    definition = records.ctx.app.definition
    for entry in entries:
        entry["title"] = _title(records, entry)
        via = entry.get("via")
        entry["via_label"] = (
            None
            if via is None or _names_itself(entry, via)
            else via_label(definition, entity.key, via, lang)
        )
        for change in entry["changes"]:
            key = change["field"]
            bound = entity.fields.get(key)
            change["label"] = bound.defn.label if bound is not None and bound.defn.label else key
            values = shown.get(key)
            if values is not None:
                change["from_display"] = _display_of(change["from"], values)
                change["to_display"] = _display_of(change["to"], values)
    return entries


def _title(records: GuardedReads, entry: dict[str, Any]) -> Label | str:
    action: str = entry["action"]
    if action != "action":
        return RECORD_ACTIONS.get(action, action)
    detail = entry.get("detail") or {}
    key = detail.get("action")
    kind = detail.get("type")
    entry["action_key"] = key
    entry["action_type"] = kind
    if isinstance(kind, str) and kind in ACTION_TYPES:
        return ACTION_TYPES[kind]
    if isinstance(key, str) and key in SYSTEM_ACTIONS:
        return SYSTEM_ACTIONS[key]
    for defined in records.ctx.app.definition.actions:
        if defined.key == key and defined.entity == records.entity.key:
            return defined.label
    return key if isinstance(key, str) else action


def _names_itself(entry: Mapping[str, Any], via: str) -> bool:
    """An action's own entry, titled by that action already ("Claimed"): no
    "by action “Claim”" beside it. A bulk run's entry still says it was bulk."""
    key = entry.get("action_key")
    if not isinstance(key, str):
        return False
    return via == via_action(key) or (key == "auto_return" and via == VIA_POOL_AUTO_RETURN)


def via_label(definition: AppDefinition, entity_key: str, via: str, lang: str) -> str:
    """What wrote a change (an audit row's ``via``), for a reader of ``lang``.

    Rules and actions by their label in ``definition`` (the published one:
    the key when they are gone or have no label); the rest from the catalogue.
    """
    kind, what = split_via(via)
    if kind == "rule":
        rule = next((r for r in definition.rules if r.key == what), None)
        name: Label | str = rule.label if rule is not None and rule.label else what
        return translate(Message("history.via_rule", rule=name), lang)
    if kind == "action":
        return translate(
            Message("history.via_action", action=_action_label(definition, entity_key, what)),
            lang,
        )
    if via == VIA_IMPORT:
        return translate(Message("history.via_import"), lang)
    if via == VIA_POOL_AUTO_RETURN:
        return translate(Message("history.via_pool_auto_return"), lang)
    if via == VIA_FORMULA_BACKFILL:
        return translate(Message("history.via_formula_backfill"), lang)
    if kind == "bulk":
        if what in ("update", "delete"):
            return translate(Message(f"history.via_bulk_{what}"), lang)
        sub, _, key = what.partition(":")
        if sub == "action" and key:
            action = _action_label(definition, entity_key, key)
            return translate(Message("history.via_bulk_action", action=action), lang)
    return translate(Message("history.via_other", via=via), lang)


def _action_label(definition: AppDefinition, entity_key: str, key: str) -> Label | str:
    """An action's label: this entity's action of that key first (keys are per entity)."""
    found = [a for a in definition.actions if a.key == key]
    found.sort(key=lambda a: a.entity != entity_key)
    return found[0].label if found and found[0].label else key


def _displays(records: GuardedReads, entries: list[dict[str, Any]]) -> dict[str, dict[Any, Any]]:
    """Per field with display values: stored value → what people read."""
    changed: dict[str, list[Any]] = {}
    for entry in entries:
        for change in entry["changes"]:
            changed.setdefault(change["field"], []).extend((change["from"], change["to"]))
    hidden_titles = records.access.hidden_titles
    shown: dict[str, dict[Any, Any]] = {}
    for key, values in changed.items():
        bound = records.entity.fields.get(key)
        if bound is None or key in hidden_titles:
            continue
        choices = _choices(bound)
        if choices is not None:
            shown[key] = choices
        elif bound in records.entity.references:
            ids = sorted(
                {i for i in _flat(values) if isinstance(i, int) and not isinstance(i, bool)}
            )
            if ids:
                shown[key] = ability(bound, References).display_titles(bound, ids, records.ctx)
    return shown


def _choices(bound: BoundField) -> dict[Any, Any] | None:
    """Option value → label, for fields with a list of options (select, multiselect)."""
    options = getattr(bound.options, "options", None)
    if not isinstance(options, list):
        return None
    labels: dict[Any, Any] = {}
    for choice in options:
        value = getattr(choice, "value", None)
        if isinstance(value, str):
            labels[value] = getattr(choice, "label", None) or value
    return labels


def _flat(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from value
        else:
            yield value


def _display_of(value: Any, shown: Mapping[Any, Any]) -> Any:
    """What people read for a stored value; a list stays a list; unknown keys as they are."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_one(item, shown) for item in value]
    return _one(value, shown)


def _one(value: Any, shown: Mapping[Any, Any]) -> Any:
    try:
        return shown.get(value, value)
    except TypeError:  # an unhashable value (a sub-table's rows) has no display
        return value


__all__ = ["ACTION_TYPES", "RECORD_ACTIONS", "SYSTEM_ACTIONS", "readable_history", "via_label"]
