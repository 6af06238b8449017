"""The rule engine: automations designed without code (docs/rules.md).

A rule of an app definition (``engine.definition.RuleDef``) names an entity,
a trigger, a condition and effects. The engine attaches to the others only
through the kernel's seams: it subscribes to record events
(``engine.rules.hooks.register``, in the start-up list), writes through the
forms façade, sends through ``engine.messaging`` (deliveries, sent by the
job ``messaging.deliver``) and keeps its clock through job kinds.

* ``registry``: the triggers and effects by key, and their ``catalogue()``;
* ``check_rules(app)``: publish-time checks, each issue with its JSON path;
* ``subscriber.on_events``: running the rules the events of a write start;
* ``runs``: the run log (``list_runs``, ``rule_stats``);
* ``dry_run``: a rule tried on a record, writing nothing.
"""

from engine.rules.checks import check_rules
from engine.rules.errors import RuleFailed
from engine.rules.registry import catalogue

__all__ = ["RuleFailed", "catalogue", "check_rules"]
