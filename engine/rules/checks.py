"""Publish-time checks of an app's rules: every mistake, each with its JSON path.

Unknown entity, trigger, effect, field, action, role or function; a ``when``
that does not compile over what the trigger lets it read; an effect writing
a field that does not exist or is computed; a literal the field refuses; a
cron that does not parse; a recipient field that holds no people; a webhook
to a private address. ``builder.validate`` calls ``check_rules`` once the
rest of the definition is valid, and nothing is published while one remains.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from engine.definition import RuleDef
from engine.expressions import ExpressionError, compile_expression
from engine.forms import AppRuntime, EntityRuntime
from engine.i18n.validation import validation_message
from engine.registry import UnknownKeyError
from engine.rules import registry
from engine.rules.base import CheckContext, Issue, Trigger, record_names
from engine.rules.compiled import settings_of
from engine.rules.errors import RuleInvalid


def _validation_issues(err: ValidationError, path: str) -> Iterator[Issue]:
    for problem in err.errors():
        where = path + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"]
        )
        yield where, validation_message(problem)  # in the reader's language


def condition_names(entity: EntityRuntime, trigger_cls: type[Trigger]) -> frozenset[str]:
    """What a rule's expressions read: the record's stored fields, system
    columns and ``id``, and ``old.<field>`` when the trigger sees the values
    before an update."""
    names = record_names(entity) | {"id"}
    if trigger_cls.sees_old:
        names |= {f"old.{name}" for name in record_names(entity)}
    return frozenset(names)


def check_rules(app: AppRuntime) -> Iterator[Issue]:
    registry.register_builtins()
    seen: set[str] = set()
    for i, rule in enumerate(app.definition.rules):
        path = f"$.rules[{i}]"
        if rule.key in seen:
            yield f"{path}.key", f"rule {rule.key!r} is defined twice"
        seen.add(rule.key)
        yield from check_rule(app, rule, path)


def check_rule(app: AppRuntime, rule: RuleDef, path: str) -> Iterator[Issue]:
    """One rule against the app (published or being published); ``path`` is where it sits.

    The dry run checks a rule not yet published with it (``$.rule``).
    """
    registry.register_builtins()
    entity = app.entities.get(rule.entity)
    if entity is None:
        yield f"{path}.entity", f"unknown entity {rule.entity!r}"
        return
    try:
        trigger_cls = registry.triggers.get(rule.trigger.on)
    except UnknownKeyError as err:
        yield f"{path}.trigger.on", str(err)
        return
    try:
        trigger = trigger_cls(settings_of(trigger_cls, rule.trigger.model_extra))
    except ValidationError as err:
        yield from _validation_issues(err, f"{path}.trigger")
        return
    cc = CheckContext(app, rule, path, condition_names(entity, trigger_cls))
    yield from trigger.check(cc)
    if rule.when is not None:
        try:
            compile_expression(rule.when, names=cc.names)
        except ExpressionError as err:
            yield f"{path}.when", err.message
    for j, effect in enumerate(rule.effects):
        where = f"{path}.effects[{j}]"
        try:
            effect_cls = registry.effects.get(effect.type)
        except UnknownKeyError as err:
            yield f"{where}.type", str(err)
            continue
        try:
            instance = effect_cls(settings_of(effect_cls, effect.model_extra), j)
        except ValidationError as err:
            yield from _validation_issues(err, where)
            continue
        if effect_cls.needs_record and getattr(trigger.config, "once", False):
            yield where, f"{effect.type} needs a record; this schedule runs once, without one"
            continue
        yield from instance.check(cc, where)


def check_condition(
    app: AppRuntime, entity_key: str, expression: str, trigger_key: str
) -> dict[str, Any]:
    """The designer's live check of a ``when`` condition: ``{ok, message, position, names}``.

    ``names`` are what the trigger lets the condition read, for completion.
    An unknown entity or trigger is a ``RuleInvalid`` naming it; a condition
    that does not compile is an answer (``ok: false``), not an error.
    """
    registry.register_builtins()
    issues = []
    entity = app.entities.get(entity_key)
    if entity is None:
        issues.append(("entity", f"unknown entity {entity_key!r}"))
    try:
        trigger_cls = registry.triggers.get(trigger_key)
    except UnknownKeyError as err:
        issues.append(("trigger", str(err)))
    if issues:
        raise RuleInvalid(issues)
    assert entity is not None
    names = condition_names(entity, trigger_cls)
    answer: dict[str, Any] = {"ok": True, "message": None, "position": None}
    try:
        compile_expression(expression, names=names)
    except ExpressionError as err:
        answer = {"ok": False, "message": err.message, "position": err.position}
    return {**answer, "names": sorted(names)}


__all__ = ["check_condition", "check_rule", "check_rules", "condition_names"]
