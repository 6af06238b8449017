"""Generate ``docs/rules.md`` from the rule engine's catalogue and its limits.

    python -m engine.rules.docs           # rewrite docs/rules.md
    python -m engine.rules.docs --check   # exit 1 when it is out of date

The triggers, effects and recipients (their labels, descriptions and the
settings of their ``Config``) come from ``engine.rules.registry.catalogue()``
and the settings classes themselves, so a new trigger or effect appears
on the page by being registered; the prose around them lives here, next to
the code it describes. A test compares the committed page with
``generate()``.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.definition.rules import MAX_CONDITION_CHARS, MAX_EFFECTS, MAX_RULES
from engine.docpages import code, limits, write_or_check
from engine.forms import MAX_CAUSE_DEPTH
from engine.messaging import catalogue as channel_catalogue
from engine.messaging.deliveries import MAX_ATTEMPTS
from engine.rules import registry
from engine.rules.clock import SCHEDULES, TIMERS
from engine.rules.recipients import Recipients

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
#: The job kind that starts each clocked trigger.
CLOCK_JOBS = {"date": TIMERS, "schedule": SCHEDULES}


# -- settings tables --------------------------------------------------------------------------
@cache
def attribute_comments(model: type[BaseModel]) -> dict[str, str]:
    """The ``#:`` comments above each field of a settings class (and its bases).

    Settings classes document their fields the Sphinx way, with ``#:``
    comments; the JSON schema does not carry them, the page does.
    """
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(cls))
        except (OSError, TypeError):
            continue
        lines = source.splitlines()
        body = ast.parse(source).body[0]
        assert isinstance(body, ast.ClassDef)
        for node in body.body:
            if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
                continue
            comment: list[str] = []
            row = node.lineno - 2  # the line above, 0-based
            while row >= 0 and lines[row].strip().startswith("#:"):
                comment.insert(0, lines[row].strip()[2:].strip())
                row -= 1
            if comment:
                found[node.target.id] = " ".join(comment)
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_name(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "enum" in prop:
        return " or ".join(code(v) for v in prop["enum"])
    if "const" in prop:
        return code(prop["const"])
    if "anyOf" in prop:
        kinds = [_type_name(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(kinds) or "any"
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type_name(prop.get('items', {}))}"
    if kind == "object":
        return "map" if "additionalProperties" in prop else "object"
    return str(kind or "any")


def _property(prop: dict[str, Any]) -> dict[str, Any]:
    """The schema of a property without its ``null`` alternative (for limits)."""
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    return options[0] if len(options) == 1 else prop


def settings_table(model: type[BaseModel]) -> list[str]:
    """One row per setting: its name, type, default and what it means."""
    schema = model.model_json_schema()
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return ["No settings."]
    required = set(schema.get("required", []))
    comments = attribute_comments(model)
    rows = ["| setting | type | default | meaning |", "|---|---|---|---|"]
    for name, prop in properties.items():
        field = model.model_fields[name]
        if name in required:
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            default = code(value.model_dump() if isinstance(value, BaseModel) else value)
        meaning = " ".join(p for p in (comments.get(name, ""), limits(_property(prop))) if p)
        rows.append(
            f"| `{name}` | {_cell(_type_name(prop))} | {_cell(default)} | {_cell(meaning)} |"
        )
    return rows


# -- the generated sections -------------------------------------------------------------------
def _entry(item: dict[str, Any], model: type[BaseModel], traits: list[str]) -> list[str]:
    label, description = item["label"], item["description"]
    lines = [
        f"### `{item['key']}` — {label['en']} / {label['zh-CN']}",
        "",
        description["en"],
        "",
        f"> {description['zh-CN']}",
        "",
    ]
    if traits:
        lines += [" ".join(traits), ""]
    return [*lines, *settings_table(model), ""]


def _triggers() -> list[str]:
    lines = ["## Triggers", "", TRIGGERS_INTRO, ""]
    for item in registry.catalogue()["triggers"]:
        cls = registry.triggers.get(item["key"])
        traits = []
        if item["clocked"]:
            job = CLOCK_JOBS.get(item["key"], TIMERS)
            traits.append(f"Started by the clock (the `{job}` job), not by a write.")
        if item["sees_old"]:
            traits.append("Its condition and values may read `old.<field>`.")
        lines += _entry(item, cls.Config, traits)
    return lines


def _effects() -> list[str]:
    lines = ["## Effects", "", EFFECTS_INTRO, ""]
    for item in registry.catalogue()["effects"]:
        cls = registry.effects.get(item["key"])
        traits = []
        if item["leaves_machine"]:
            traits.append(
                "Leaves the machine: only queued as a delivery in the write's transaction."
            )
        else:
            traits.append("Runs in the write's own transaction.")
        if not item["needs_record"]:
            traits.append("Also runs without a record (a schedule run `once`).")
        lines += _entry(item, cls.Config, traits)
    return lines


def _recipients() -> list[str]:
    return ["## Recipients", "", RECIPIENTS_INTRO, "", *settings_table(Recipients), ""]


def _channels() -> list[str]:
    rows = ["| channel | settings (per tenant) |", "|---|---|"]
    for channel in channel_catalogue():
        schema = channel.get("config_schema") or {}
        names = ", ".join(f"`{name}`" for name in schema.get("properties", {}))
        rows.append(f"| `{channel['key']}` ({_cell(str(channel['label']))}) | {names} |")
    return rows


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


MEMBERS = [
    ("`key`", "unique in the app; names the rule in the run log and in errors"),
    ("`label`, `description`", "zh-CN/en texts for the designer"),
    ("`entity`", "the entity whose records trigger it"),
    ("`enabled`", "`false` keeps the rule without running it (default `true`)"),
    ("`trigger`", "`on` (one of the triggers below) and that trigger's settings"),
    (
        "`when`",
        "an expression ([docs/expressions.md](expressions.md)) over the record; the rule "
        f"runs only when it is true; at most {MAX_CONDITION_CHARS:,} characters",
    ),
    ("`effects`", f"1 to {MAX_EFFECTS} effects, run in order: `type` and that effect's settings"),
]
NAMES = [
    (
        "`<field>`",
        "the triggering record's stored fields, and `id`, `created_at`, `updated_at`, "
        "`created_by`, `updated_by`",
        "everywhere",
    ),
    ("`old.<field>`", "the value before the update", "triggers that say so"),
    (
        "`target.<field>`",
        "the record an `update_records` effect is writing: its stored fields, and its "
        "roll-ups and lookups read at that moment (`=target.confirmed_amount`)",
        "`update_records` values",
    ),
    (
        "`CURRENT_USER()`",
        "the person whose write started the rule (blank for jobs and clocked rules)",
        "everywhere",
    ),
]
TEMPLATE_VALUES = [
    (
        "`record`",
        "the record's fields as people read them: option labels, user names, money as "
        "`¥1,234.50`, dates and times in the tenant's time zone (`{{ record.company }}`)",
    ),
    ("`raw`", "the stored values in the API's JSON shape (`{{ raw.amount }}`)"),
    ("`old`", "on updates, the values before, displayed like `record`"),
    ("`id`", "the record's id"),
    ("`entity`", "the entity's label"),
    ("`rule`", "the rule's label"),
]


def generate() -> str:
    """The full text of ``docs/rules.md``."""
    registry.register_builtins()
    parts = [
        HEAD.format(max_rules=MAX_RULES, members=_table(("member", "meaning"), MEMBERS)),
        *_triggers(),
        *_effects(),
        *_recipients(),
        VALUES.format(names=_table(("name", "what it reads", "where"), NAMES)),
        TEMPLATES.replace("{template_values}", _table(("name", "what it is"), TEMPLATE_VALUES)),
        CHANNELS_HEAD.format(max_attempts=MAX_ATTEMPTS),
        *_channels(),
        "",
        TAIL.format(depth=MAX_CAUSE_DEPTH),
    ]
    return "\n".join(parts).rstrip("\n") + "\n"


HEAD = """# Rules: automations designed without code

<!-- Generated by `python -m engine.rules.docs` from the rule engine's catalogue;
edit the prose in engine/rules/docs.py, not this file. -->

A rule says: when something happens to a record of an entity (its
**trigger**), and a condition holds (its **when**), do these things (its
**effects**). Rules are part of the app definition (`rules: [...]`), checked
at publish and changed through the ordinary draft/publish path, so a
template's rules can be customised by a tenant as an overlay. The designer
(an app's *Rules* page) builds its forms from the same catalogue this page
is generated from (`GET /api/rules/catalogue`).

```json
{{"key": "triage_high", "label": {{"zh-CN": "高优先级分派", "en": "Triage high"}},
 "entity": "ticket", "trigger": {{"on": "created"}}, "when": "priority == 'high'",
 "effects": [
   {{"type": "set_fields", "values": {{"status": "triaged"}}}},
   {{"type": "create_record", "entity": "note",
    "values": {{"ticket": "=id", "text": "=CONCAT('auto: ', title)"}}}},
   {{"type": "notify", "to": {{"users": ["admin"], "managers_of": ["owner"]}},
    "title": "=CONCAT('High: ', title)"}}]}}
```

{members}

An app holds at most {max_rules} rules.

### When it runs

Record events (created, updated, deleted, restored, an action ran) start
the rules listening to them **in the write's transaction**, after the
write: the condition is evaluated for each record, then each effect runs
for every record that passed (a bulk create or an import of 1,000 leads is
one event: the effect gets the 1,000 runs at once). Effects that stay in
the database (`set_fields`, `create_record`, `update_records`, `assign`,
`notify`) write through the ordinary record service: their values are
validated as a form's would be, the writes are not limited by the
permissions of the person whose write started the rule, and they are
audited as caused by the rule. If a condition or one of these effects
fails, the whole write fails with a problem+json naming the rule and the
effect (its `rule`, `effect` and `effect_type` members), and the failure is in the rule's run log.

Effects that leave the machine (`email`, `sms`, `webhook`, `dingtalk`,
`wecom`) are only **queued** as deliveries in the same transaction: they
are sent by a job after the write commits, retried, and never block or
undo the write.

Clocked triggers run from two job kinds ticking every minute in the job
worker (`formwork serve` runs one; `formwork worker`, `formwork jobs run`):
`rules.timers` for `date` rules, `rules.schedules` for `schedule` rules. A
date rule keeps one timer per record, moved whenever the fields its anchor
reads change, and
the timers already due when a rule is published (or an app installed)
fire on the first tick.
"""

TRIGGERS_INTRO = """Each trigger is one registered class (`engine/rules/triggers/`): its
settings are the other members of the rule's `trigger` object."""

EFFECTS_INTRO = """Each effect is one registered class (`engine/rules/effects/`): its settings
are the other members of the effect object. Values, titles and bodies
follow the value grammar below; email, SMS and robot texts are templates."""

RECIPIENTS_INTRO = """`to` of `notify`, `email` and `sms` (and of `assign`) names people and
addresses; every member adds to the others. People no longer active are
never addressed. For `email`, people are reached at their account's email
address and email fields of the record (or lookups showing one) give
addresses; for `sms`, phone fields (or lookups showing one, such as a
contract's `contact_mobile`) give numbers."""

VALUES = """## Values: literals and `=expressions`

A value in `values`, a notification's `title` or `body`, is a **literal**
(`"triaged"`, `3`, `true`) or, when it starts with `=`, an **expression**
of the one expression language ([docs/expressions.md](expressions.md)):
`"=CONCAT('auto: ', title)"`, `"=DATEADD(NOW(), 2)"`, `"=id"`. To write a
text that starts with `=`, write it as an expression: `"=\\"=x\\""`.
Literals are checked at publish by the field type they are written to;
expressions are compiled at publish over the names they may read:

{names}

Computed fields (formulas, roll-ups, lookups) cannot be written; a formula
of the written record is recomputed by the write, and a roll-up of another
record reflects it at once (it is computed by the database on read).

A roll-up cannot be read by a formula, so a stored total that others
filter on (a payment plan's received amount) is kept by rules that
recompute it from a roll-up on every path: created, changed (`previous:
true` recomputes the instalment a receipt was moved away from), deleted
and restored. The CRM template does this (templates/crm/README.md).
"""

TEMPLATES = """## Message templates

Email subjects and bodies, SMS texts and robot messages are Jinja2
templates, rendered at delivery in the sandbox, with a time limit and a
size limit (a template such as `{{ 9**9**9 }}` or one reaching for Python
internals fails that delivery with a clear error, and nothing else).
They read:

{template_values}

Templates are checked at publish (syntax, length): a template that does not
parse is an error with its JSON path, and nothing is published.
"""

CHANNELS_HEAD = """## Channels and deliveries

Each outbound message is a **delivery** with a status (`queued`, `sent`,
`retrying`, `failed`) and its attempts: admins list them
(`GET /api/deliveries`) and retry a failed one
(`POST /api/deliveries/{{id}}/retry`). A delivery is tried up to
{max_attempts} times with exponential backoff. Webhooks are signed the
Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
`webhook-signature`: HMAC-SHA256), retried on timeouts, 5xx and 429, and
never sent to loopback, private, link-local or cloud-metadata addresses —
checked at publish for a literal URL and on the address actually connected
at delivery — unless the tenant admin allowlists the host. Email goes over
the tenant's SMTP server (the password is write-only); in `make run` demo
mode without SMTP, mail goes to a local mail sink under the data directory,
readable in the admin UI. In-app notifications (`notify`) are not
deliveries: they are rows of the recipient's bell
(`GET /api/notifications`, `POST /api/notifications/{{id}}/read`,
`POST /api/notifications/read-all`).

The channels a tenant configures:
"""

TAIL = """## Chains, loops and the depth cap

Writes made by effects emit record events of their own, so rules chain: a
follow-up updates its lead, which moves the lead's date timer. Each write
carries the chain of events that caused it; a chain deeper than
{depth} writes stops with a conflict (409) naming the chain: a rule that
would loop (A updates B updates A) fails the write that started it,
visibly, and the failure is in the rule's run log.

## The run log

Every run of a rule is logged with its record, trigger, outcome, error and
what each effect did (`GET /api/apps/{{app}}/rules/{{rule}}/runs`; the rules
list shows the last run and the failures). A failed run is logged even
though its write rolled back.

## Trying a rule: the dry run

`POST /api/apps/{{app}}/rules/dry-run` with `{{"rule": {{…}}, "record_id": 7}}`
(the designer's *Try it on a record*) checks the rule as publishing would,
then runs it on the record as if its trigger had fired — the condition,
then every effect through the same code as a real run — inside a savepoint
that is always rolled back. The answer shows whether the condition held and
which effects would run with which values (the records written, the
notifications and deliveries with their templates rendered); nothing stays:
records, audit rows, notifications, deliveries and jobs all go with the
savepoint, and a dry run is not logged. On update triggers `old.<field>`
reads the current values.

## Publish-time checks

Every rule is checked when the app is published; each problem is an error
with its JSON path (`$.rules[3].effects[1].values.status`) and nothing is
published while one remains: an unknown entity, trigger, effect, field,
action, role or function; a `when` that does not compile over what the
trigger lets it read; an effect writing a field that does not exist or is
computed; a literal the field refuses; a recipient field that holds no
people (or addresses, for email and SMS); a template that does not parse;
a date anchor that is not a date; a cron that does not parse; a webhook to
a private address.
"""


def main(argv: list[str] | None = None) -> int:
    return write_or_check(DOC_PATH, generate, "engine.rules.docs", argv)


__all__ = ["DOC_PATH", "attribute_comments", "generate", "main", "settings_table"]


if __name__ == "__main__":
    sys.exit(main())
