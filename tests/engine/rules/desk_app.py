"""A small help-desk app for the rule engine's tests, and a helper to drive it.

Tickets have notes (a link back to the ticket), an owner and watchers,
a write-back counter (``note_count``), a computed field (``score``) and a
field hidden from agents (``secret``). People: ``boss`` manages ``lead``,
who manages ``agent``; ``agent`` and ``agent2`` hold the ``agent`` role in
the "Support" department; ``gone`` is inactive. Each test installs the app
with the rules it is about (``install_desk(platform, tenant, [rule, …])``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from builder.apps import install_app
from builder.validate import load_definition
from engine.accounts.users import (
    create_department,
    create_user,
    get_user,
    grant_role,
    set_user_active,
)
from engine.actions import ActionContext, run_action
from engine.forms import (
    AppRuntime,
    ReadContext,
    WriteContext,
    create_records,
    delete_record,
    get_record,
    update_record,
)
from engine.platform import Platform
from engine.store.tables import deliveries, notifications, rule_runs, users

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _select(*values: str) -> list[dict[str, str]]:
    return [{"value": v} for v in values]


DESK_APP: dict[str, Any] = {
    "key": "desk",
    "version": "1.0.0",
    "entities": [
        {
            "key": "ticket",
            "title_field": "title",
            "fields": [
                {"key": "title", "type": "text", "required": True},
                {"key": "priority", "type": "select", "options": _select("low", "high")},
                {
                    "key": "status",
                    "type": "select",
                    "default": "new",
                    "options": _select("new", "triaged", "closed"),
                },
                {"key": "owner", "type": "user"},
                {"key": "watchers", "type": "users"},
                {"key": "note_count", "type": "number", "precision": 0},
                {"key": "score", "type": "formula", "expr": "IFNULL(note_count, 0) * 2"},
                {"key": "secret", "type": "text"},
                {"key": "contact_email", "type": "email"},
                {"key": "mobile", "type": "phone"},
                {"key": "log", "type": "text"},
            ],
        },
        {
            "key": "note",
            "title_field": "text",
            "fields": [
                {"key": "text", "type": "text", "required": True},
                {"key": "ticket", "type": "link", "target": "ticket", "on_delete": "set_null"},
                {"key": "touched", "type": "number", "precision": 0},
            ],
        },
    ],
    "roles": [
        {
            "key": "agent",
            "permissions": {
                "ticket": {"read": "all", "update": "all", "fields": {"secret": "hidden"}},
                "note": {"read": "all", "create": True},
            },
        },
        {"key": "lead", "permissions": {"ticket": {"read": "all"}}},
    ],
    "actions": [
        {
            "key": "close",
            "entity": "ticket",
            "type": "set_fields",
            "label": {"en": "Close"},
            "set": {"status": "='closed'"},
        },
        {
            "key": "reopen",
            "entity": "ticket",
            "type": "set_fields",
            "label": {"en": "Reopen"},
            "set": {"status": "='new'"},
        },
    ],
}


def desk_app(rules: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A fresh copy of the definition with these rules."""
    definition = copy.deepcopy(DESK_APP)
    definition["rules"] = [dict(rule) for rule in rules]
    return definition


#: username → (department, manager, roles, active); "admin" and "rep" come
#: from the ``tenant`` fixture.
PEOPLE: dict[str, tuple[str | None, str | None, tuple[str, ...], bool]] = {
    "boss": (None, None, (), True),
    "lead": ("Support", "boss", ("lead",), True),
    "agent": ("Support", "lead", ("agent",), True),
    "agent2": ("Support", "lead", ("agent",), True),
    "gone": ("Support", "lead", ("agent",), False),
    "outsider": ("Sales", None, (), True),
}


@dataclass
class Desk:
    """The installed app and its people, with shortcuts that write with the platform's hooks."""

    platform: Platform
    tenant: str
    ids: dict[str, int] = field(default_factory=dict)

    def runtime(self, conn: Connection) -> AppRuntime:
        return self.platform.runtime(conn, self.tenant, "desk")

    @contextmanager
    def writing(self, entity: str = "ticket", now: datetime = NOW) -> Iterator[WriteContext]:
        """One transaction, as the system (an import or a job writes), with the rules."""
        with self.platform.store.write(self.tenant) as conn:
            runtime = self.runtime(conn)
            yield WriteContext(conn, runtime, entity, None, now, hooks=self.platform.hooks)

    def create_many(self, entity: str, inputs: Sequence[Mapping[str, Any]]) -> list[int]:
        with self.writing(entity) as ctx:
            return create_records(ctx, ctx.app.entities[entity], inputs)

    def create(self, entity: str = "ticket", **values: Any) -> int:
        (record_id,) = self.create_many(entity, [values])
        return record_id

    def ticket(self, title: str = "Printer", **values: Any) -> int:
        return self.create("ticket", title=title, **values)

    def update(self, entity: str, record_id: int, **values: Any) -> dict[str, Any]:
        with self.writing(entity) as ctx:
            table = ctx.app.entities[entity].table
            version = ctx.conn.scalar(select(table.c.version).where(table.c.id == record_id))
            assert version is not None, f"no {entity} #{record_id}"
            return update_record(ctx, ctx.app.entities[entity], record_id, values, int(version))

    def delete(self, entity: str, record_id: int) -> None:
        with self.writing(entity) as ctx:
            delete_record(ctx, ctx.app.entities[entity], record_id)

    def act(self, record_id: int, action: str, username: str = "admin") -> dict[str, Any]:
        with self.platform.store.write(self.tenant) as conn:
            user = get_user(conn, self.ids[username])
            assert user is not None
            ctx = ActionContext.for_user(
                conn, self.runtime(conn), user, NOW, hooks=self.platform.hooks
            )
            return run_action(ctx, "ticket", record_id, action, {})

    def read(self, entity: str, record_id: int) -> dict[str, Any]:
        with self.platform.store.read(self.tenant) as conn:
            runtime = self.runtime(conn)
            ctx = ReadContext(conn, runtime, entity)
            return get_record(ctx, runtime.entities[entity], record_id)

    def count(self, entity: str) -> int:
        with self.platform.store.read(self.tenant) as conn:
            table = self.runtime(conn).entities[entity].table
            return int(conn.scalar(select(func.count()).select_from(table)) or 0)

    def runs(self, rule: str | None = None) -> list[dict[str, Any]]:
        """The run log, oldest first (of one rule, or all)."""
        query = select(rule_runs).order_by(rule_runs.c.id)
        if rule is not None:
            query = query.where(rule_runs.c.rule == rule)
        with self.platform.store.read(self.tenant) as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def notifications(self) -> list[dict[str, Any]]:
        with self.platform.store.read(self.tenant) as conn:
            query = select(notifications).order_by(notifications.c.id)
            return [dict(row._mapping) for row in conn.execute(query)]

    def notified(self) -> dict[str, str]:
        """username → the title of their notification (one each)."""
        names = {user_id: name for name, user_id in self.ids.items()}
        return {names[row["user_id"]]: row["title"] for row in self.notifications()}

    def deliveries(self) -> list[dict[str, Any]]:
        with self.platform.store.read(self.tenant) as conn:
            query = select(deliveries).order_by(deliveries.c.id)
            return [dict(row._mapping) for row in conn.execute(query)]


def install_desk(platform: Platform, tenant: str, rules: Sequence[Mapping[str, Any]] = ()) -> Desk:
    """Install the app with these rules and create its people."""
    desk = Desk(platform, tenant)
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(desk_app(rules)))
        departments: dict[str, int] = {}
        for username, (department, manager, roles, active) in PEOPLE.items():
            if department is not None and department not in departments:
                departments[department] = create_department(conn, department)
            user = create_user(
                conn,
                platform.passwords,
                username,
                "pw",
                username.title(),
                department_id=departments.get(department) if department else None,
                manager_id=desk.ids[manager] if manager else None,
                email=f"{username}@example.com",
            )
            desk.ids[username] = user.id
            for role in roles:
                grant_role(conn, user.id, "desk", role)
            if not active:
                set_user_active(conn, user.id, False)
        for username in ("admin", "rep"):
            found = conn.scalar(select(users.c.id).where(users.c.username == username))
            assert found is not None
            desk.ids[username] = int(found)
    return desk


__all__ = ["DESK_APP", "NOW", "PEOPLE", "Desk", "desk_app", "install_desk"]
