"""Publish-time checks of rules: each mistake is an issue at its JSON path, and
an app with one is neither installed nor published."""

from __future__ import annotations

from typing import Any

import pytest

from builder.apps import install_app
from builder.validate import DefinitionError, load_definition
from engine.definition.versions import published_app
from engine.platform import Platform
from tests.engine.rules.desk_app import desk_app

SET_STATUS = {"type": "set_fields", "values": {"status": "triaged"}}


def rule(**changes: Any) -> dict[str, Any]:
    return {
        "key": "r",
        "entity": "ticket",
        "trigger": {"on": "created"},
        "effects": [SET_STATUS],
        **changes,
    }


def issues_of(*rules: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(desk_app(rules))
    return {issue.path: issue.message for issue in caught.value.issues}


def only_issue(*rules: dict[str, Any]) -> tuple[str, str]:
    found = issues_of(*rules)
    assert len(found) == 1, found
    return next(iter(found.items()))


def effect(**settings: Any) -> dict[str, Any]:
    return rule(effects=[SET_STATUS, settings])


@pytest.mark.parametrize(
    ("bad", "path", "message"),
    [
        (rule(entity="nope"), "$.rules[0].entity", "unknown entity 'nope'"),
        (rule(trigger={"on": "sometimes"}), "$.rules[0].trigger.on", "unknown rule trigger"),
        (effect(type="teleport"), "$.rules[0].effects[1].type", "unknown rule effect"),
        (rule(when="title =="), "$.rules[0].when", ""),
        (rule(when="NOPE(title)"), "$.rules[0].when", "NOPE"),
        (rule(when="colour == 'red'"), "$.rules[0].when", "colour"),
        # A created record has no values before.
        (rule(when="old.status == 'new'"), "$.rules[0].when", "old.status"),
        (
            effect(type="set_fields", values={"nope": 1}),
            "$.rules[0].effects[1].values.nope",
            "unknown field 'nope' of ticket",
        ),
        (
            effect(type="set_fields", values={"score": 1}),
            "$.rules[0].effects[1].values.score",
            "computed",
        ),
        (
            effect(type="set_fields", values={"status": "bogus"}),
            "$.rules[0].effects[1].values.status",
            "bogus",
        ),
        (
            effect(type="set_fields", values={"log": "=CONCAT(colour)"}),
            "$.rules[0].effects[1].values.log",
            "colour",
        ),
        (
            effect(type="set_fields", values={"log": "x"}, colour="red"),
            "$.rules[0].effects[1].colour",
            "is not expected here",
        ),
        (
            effect(type="create_record", entity="nope", values={"text": "x"}),
            "$.rules[0].effects[1].entity",
            "unknown entity 'nope'",
        ),
        (
            effect(type="create_record", entity="note", values={"text": "=old.title"}),
            "$.rules[0].effects[1].values.text",
            "old.title",
        ),
        (
            effect(type="update_records", entity="ticket", records="title", values={"log": "x"}),
            "$.rules[0].effects[1].records",
            "not a link field",
        ),
        (
            effect(type="update_records", entity="note", values={"touched": 1}),
            "$.rules[0].effects[1]",
            "give either records",
        ),
        (
            effect(
                type="update_records",
                entity="note",
                filter={"field": "text", "op": "eq", "value": "x"},
                values={"touched": "=target.nope"},
            ),
            "$.rules[0].effects[1].values.touched",
            "target.nope",
        ),
        (
            effect(type="notify", to={"fields": ["title"]}, title="x"),
            "$.rules[0].effects[1].to.fields[0]",
            "does not hold users",
        ),
        (
            effect(type="notify", to={"roles": ["pilot"]}, title="x"),
            "$.rules[0].effects[1].to.roles[0]",
            "unknown role 'pilot'",
        ),
        (
            effect(type="notify", to={}, title="x"),
            "$.rules[0].effects[1].to",
            "names nobody",
        ),
        (
            effect(type="webhook", url="http://127.0.0.1/hook"),
            "$.rules[0].effects[1].url",
            "127.0.0.1",
        ),
        (
            effect(type="webhook", url="http://169.254.169.254/latest/meta-data"),
            "$.rules[0].effects[1].url",
            "169.254.169.254",
        ),
        (
            effect(type="email", to={"fields": ["contact_email"]}, subject="{{ x", body="b"),
            "$.rules[0].effects[1].subject",
            "",
        ),
        (
            rule(trigger={"on": "field_changed", "fields": ["colour"]}),
            "$.rules[0].trigger.fields[0]",
            "unknown field 'colour' of ticket",
        ),
        (
            rule(trigger={"on": "action_ran", "action": "fly"}),
            "$.rules[0].trigger.action",
            "unknown action 'fly' of ticket",
        ),
        (rule(trigger={"on": "field_changed"}), "$.rules[0].trigger.fields", "is required"),
    ],
)
def test_each_mistake_is_named_at_its_path(bad: dict[str, Any], path: str, message: str) -> None:
    found_path, found_message = only_issue(bad)
    assert found_path == path
    assert message in found_message


def test_old_values_are_known_to_update_triggers() -> None:
    good = rule(
        trigger={"on": "field_changed", "fields": ["status"]},
        when="old.status != status",
        effects=[{"type": "set_fields", "values": {"log": "=CONCAT(old.status, id)"}}],
    )
    load_definition(desk_app([good]))


def test_a_key_used_twice_and_every_issue_of_every_rule_at_once() -> None:
    found = issues_of(
        rule(),
        rule(when="NOPE()", effects=[{"type": "set_fields", "values": {"score": 2}}]),
    )
    assert set(found) == {
        "$.rules[1].key",
        "$.rules[1].when",
        "$.rules[1].effects[0].values.score",
    }


def test_an_app_with_a_bad_rule_is_not_installed(platform: Platform, tenant: str) -> None:
    with pytest.raises(DefinitionError), platform.store.write(tenant) as conn:
        install_app(conn, load_definition(desk_app([effect(type="webhook", url="http://[::1]/")])))
    with platform.store.read(tenant) as conn, pytest.raises(LookupError):
        published_app(conn, "desk")
