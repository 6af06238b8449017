"""In-app notifications of rules, on SQLite and PostgreSQL: every kind of
recipient, inactive people skipped, and a title that never shows a reader a
field they may not read."""

from __future__ import annotations

from typing import Any

import pytest

from engine.accounts.users import set_user_active
from engine.platform import Platform
from tests.engine.rules.conftest import Install
from tests.engine.rules.desk_app import NOW


def notify_rule(to: dict[str, Any], title: str = "=CONCAT('New: ', title)") -> dict[str, Any]:
    return {
        "key": "tell",
        "label": {"en": "Tell"},
        "entity": "ticket",
        "trigger": {"on": "created"},
        "effects": [{"type": "notify", "to": to, "title": title, "body": "=priority"}],
    }


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ({"users": ["admin", "gone", "nobody"]}, {"admin"}),
        ({"fields": ["owner", "watchers"]}, {"agent", "agent2"}),
        ({"roles": ["agent"]}, {"agent", "agent2"}),
        ({"departments": ["Support"]}, {"lead", "agent", "agent2"}),
        ({"managers_of": ["owner"]}, {"lead"}),
        ({"managers_of": ["owner"], "manager_levels": 2}, {"lead", "boss"}),
        ({"managers_of": ["watchers"]}, {"lead"}),
        ({"users": ["admin"], "roles": ["lead"], "fields": ["owner"]}, {"admin", "lead", "agent"}),
    ],
)
def test_recipients(desk: Install, to: dict[str, Any], expected: set[str]) -> None:
    app = desk(notify_rule(to))
    ticket = app.ticket(
        "Printer",
        priority="high",
        owner=app.ids["agent"],
        watchers=[app.ids["agent2"]],
    )
    notified = app.notified()
    assert set(notified) == expected
    for name, title in notified.items():
        # The boss holds no role in the app, so reads nothing of the ticket.
        assert title == ("New: " if name == "boss" else "New: Printer")
    for row in app.notifications():
        assert (row["app"], row["entity"], row["record_id"]) == ("desk", "ticket", ticket)
        body = "" if row["user_id"] == app.ids["boss"] else "high"
        assert (row["source"], row["body"], row["read_at"]) == ("rule:desk/tell", body, None)
        assert row["created_at"] == NOW
    (run,) = app.runs("tell")
    assert run["effects"][0]["users"] == sorted(app.ids[name] for name in expected)


def test_people_no_longer_active_are_skipped(
    desk: Install, platform: Platform, tenant: str
) -> None:
    rule = {**notify_rule({"fields": ["owner", "watchers"]}), "trigger": {"on": "updated"}}
    app = desk(rule)
    ticket = app.ticket(owner=app.ids["agent"], watchers=[app.ids["agent2"], app.ids["lead"]])
    with platform.store.write(tenant) as conn:
        set_user_active(conn, app.ids["agent2"], False)
    app.update("ticket", ticket, priority="low")
    assert set(app.notified()) == {"agent", "lead"}


def test_nobody_to_tell_is_not_a_failure(desk: Install) -> None:
    app = desk(notify_rule({"fields": ["owner"], "managers_of": ["owner"]}))
    app.ticket()
    assert app.notifications() == []
    assert [run["outcome"] for run in app.runs("tell")] == ["ok"]


def test_a_field_the_reader_may_not_read_is_blank_in_the_title(desk: Install) -> None:
    title = "=CONCAT(IFNULL(title, '?'), ': ', IFNULL(secret, '(hidden)'))"
    app = desk(notify_rule({"users": ["admin", "agent", "lead", "outsider"]}, title))
    app.ticket("Printer", secret="classified")
    assert app.notified() == {
        # A tenant administrator reads everything.
        "admin": "Printer: classified",
        # The agent role hides `secret`.
        "agent": "Printer: (hidden)",
        # The lead role reads the whole ticket.
        "lead": "Printer: classified",
        # No role in the app: nothing of the record.
        "outsider": "?: (hidden)",
    }


def test_old_values_are_hidden_too(desk: Install) -> None:
    rule = {
        "key": "tell",
        "entity": "ticket",
        "trigger": {"on": "field_changed", "fields": ["secret"]},
        "effects": [
            {
                "type": "notify",
                "to": {"users": ["agent", "lead"]},
                "title": "=CONCAT(IFNULL(old.secret, '-'), ' > ', IFNULL(secret, '-'))",
            }
        ],
    }
    app = desk(rule)
    ticket = app.ticket(secret="one")
    app.update("ticket", ticket, secret="two")
    assert app.notified() == {"agent": "- > -", "lead": "one > two"}
