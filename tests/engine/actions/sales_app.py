"""A small lead-to-customer app with actions and a pool, and a helper to drive it.

The model is the CRM's in miniature: a lead converts into a customer, a
contact and (optionally) an opportunity; leads without an owner sit in a
pool that reps claim from, managers assign from, and the job returns stale
leads to. Tests change a copy of ``sales_app()`` to reach each rule.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from builder.apps import install_app
from builder.validate import load_definition
from engine.accounts.users import create_department, create_user, get_user, grant_role
from engine.actions import ActionContext, available_actions, run_action
from engine.forms.context import ReadContext, WriteContext
from engine.forms.records import create_records, get_record
from engine.forms.runtime import AppRuntime
from engine.platform import Platform
from engine.store.tables import users

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

OPEN = "status in ['new', 'contacting']"


def _select(*values: str) -> list[dict[str, str]]:
    return [{"value": v} for v in values]


def sales_app() -> dict[str, Any]:
    """A fresh copy of the definition (tests change it)."""
    return copy.deepcopy(SALES_APP)


SALES_APP: dict[str, Any] = {
    "key": "sales",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True, "unique": True},
                {"key": "industry", "type": "select", "options": _select("retail", "software")},
                {"key": "status", "type": "select", "options": _select("potential", "active")},
                {"key": "owner", "type": "user"},
            ],
        },
        {
            "key": "contact",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "customer", "type": "link", "target": "customer", "required": True},
                {"key": "mobile", "type": "phone"},
                {"key": "email", "type": "email"},
                {"key": "owner", "type": "user"},
            ],
        },
        {
            "key": "lead",
            "title_field": "company",
            "owner_field": "owner",
            "fields": [
                {"key": "company", "type": "text", "required": True},
                {"key": "contact_name", "type": "text"},
                {"key": "phone", "type": "phone"},
                # Plain text on the lead: the contact's email field checks it.
                {"key": "email", "type": "text"},
                {"key": "industry", "type": "select", "options": _select("retail", "software")},
                {
                    "key": "status",
                    "type": "select",
                    "required": True,
                    "default": "new",
                    "options": _select("new", "contacting", "converted", "invalid"),
                },
                {"key": "owner", "type": "user"},
                {"key": "assigned_at", "type": "datetime"},
                {"key": "last_followed_up_at", "type": "datetime"},
                {"key": "next_call_on", "type": "date"},
                {
                    "key": "return_reason",
                    "type": "select",
                    "options": _select("no_follow_up", "not_interested"),
                },
                {"key": "times_returned", "type": "number", "precision": 0},
                {
                    "key": "converted_customer",
                    "type": "link",
                    "target": "customer",
                    "on_delete": "set_null",
                },
                {"key": "converted_at", "type": "datetime"},
            ],
        },
        {
            "key": "opportunity",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "customer", "type": "link", "target": "customer", "required": True},
                {"key": "contact", "type": "link", "target": "contact"},
                {"key": "lead", "type": "link", "target": "lead"},
                {"key": "amount", "type": "currency"},
                {
                    "key": "stage",
                    "type": "select",
                    "required": True,
                    "options": _select("initial", "won", "lost"),
                },
                {"key": "owner", "type": "user"},
            ],
        },
        {
            "key": "follow_up",
            "title_field": "subject",
            "fields": [
                {"key": "subject", "type": "text", "required": True},
                {"key": "lead", "type": "link", "target": "lead"},
                {"key": "customer", "type": "link", "target": "customer"},
            ],
        },
    ],
    "roles": [
        {
            "key": "rep",
            "permissions": {
                "lead": {
                    "read": "own",
                    "create": True,
                    "update": "own",
                    "fields": {"return_reason": "read", "times_returned": "read"},
                },
                "customer": {"read": "own", "create": True, "update": "own"},
                "contact": {"read": "own", "create": True, "update": "own"},
                "opportunity": {"read": "own", "create": True, "update": "own"},
                "follow_up": {"read": "own", "create": True, "update": "own"},
            },
        },
        {
            "key": "manager",
            "permissions": {
                entity: {"read": "department", "create": True, "update": "department"}
                for entity in ("lead", "customer", "contact", "opportunity", "follow_up")
            },
        },
        # May work their own leads but not create customers: conversion is 403.
        {"key": "clerk", "permissions": {"lead": {"read": "own", "update": "own"}}},
        # Reads every lead, changes none, sees no pool.
        {"key": "auditor", "permissions": {"lead": {"read": "all"}}},
    ],
    "pools": [
        {
            "key": "lead_pool",
            "entity": "lead",
            "label": {"zh-CN": "公海池", "en": "Lead pool"},
            "owner_field": "owner",
            "open_when": OPEN,
            "max_open_per_user": 2,
            "visible_to": ["rep", "manager", "clerk"],
            "claim": {
                "roles": ["rep", "manager"],
                "reclaim_after_days": 3,
                "set": {"assigned_at": "=NOW()"},
            },
            "assign": {"roles": ["manager"], "set": {"assigned_at": "=NOW()"}},
            "return_to_pool": {
                "reason_field": "return_reason",
                "reason_required": True,
                "set": {"times_returned": "=IFNULL(times_returned, 0) + 1", "assigned_at": None},
            },
            "auto_return": {
                "after_days": 7,
                "since": ["last_followed_up_at", "assigned_at"],
                "when": "status != 'invalid'",
                "reason": "no_follow_up",
            },
        }
    ],
    "actions": [
        {
            "key": "convert",
            "entity": "lead",
            "type": "convert",
            "label": {"zh-CN": "转化", "en": "Convert"},
            "when": OPEN + " and not ISBLANK(owner)",
            "steps": [
                {
                    "key": "customer",
                    "entity": "customer",
                    "reuse_when_equal": {"name": "company"},
                    "map": {
                        "name": "company",
                        "industry": "industry",
                        "owner": "owner",
                        "status": "='potential'",
                    },
                },
                {
                    "key": "contact",
                    "entity": "contact",
                    "map": {
                        "name": "contact_name",
                        "customer": "$customer",
                        "mobile": "phone",
                        "email": "email",
                        "owner": "owner",
                    },
                },
                {
                    "key": "opportunity",
                    "entity": "opportunity",
                    "optional": True,
                    "input": ["name", "amount"],
                    "map": {
                        "name": "=CONCAT(company, ' deal')",
                        "customer": "$customer",
                        "contact": "$contact",
                        "lead": "$record",
                        "stage": "='initial'",
                        "owner": "owner",
                    },
                },
            ],
            "update": {
                "status": "='converted'",
                "converted_customer": "$customer",
                "converted_at": "=NOW()",
            },
            "relink": [{"entity": "follow_up", "via": "lead", "set": {"customer": "$customer"}}],
        },
        {
            "key": "claim",
            "entity": "lead",
            "type": "claim",
            "label": {"zh-CN": "领取", "en": "Claim"},
            "pool": "lead_pool",
        },
        {
            "key": "assign",
            "entity": "lead",
            "type": "assign",
            "label": {"zh-CN": "分配", "en": "Assign"},
            "pool": "lead_pool",
        },
        {
            "key": "give_back",
            "entity": "lead",
            "type": "return_to_pool",
            "label": {"zh-CN": "退回公海", "en": "Return to pool"},
            "confirm": {"en": "Return the lead to the pool?"},
            "pool": "lead_pool",
        },
        {
            "key": "mark_invalid",
            "entity": "lead",
            "type": "set_fields",
            "label": {"zh-CN": "无效", "en": "Mark invalid"},
            "when": "status != 'invalid'",
            "roles": ["manager"],
            "set": {"status": "='invalid'"},
        },
    ],
}

#: username → (department, roles); "admin" (a tenant admin) and "rep" (no role) come
#: from the ``tenant`` fixture.
PEOPLE: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "rep_a": ("east", ("rep",)),
    "rep_b": ("east", ("rep",)),
    "rep_w": ("west", ("rep",)),
    "manager": ("east", ("manager",)),
    "clerk": ("east", ("clerk",)),
    "auditor": (None, ("auditor",)),
}


@dataclass
class Sales:
    """The installed app and its people, with shortcuts to drive the engine."""

    platform: Platform
    tenant: str
    ids: dict[str, int] = field(default_factory=dict)

    def runtime(self, conn: Connection) -> AppRuntime:
        return self.platform.runtime(conn, self.tenant, "sales")

    def context(self, conn: Connection, username: str, now: datetime = NOW) -> ActionContext:
        user = get_user(conn, self.ids[username])
        assert user is not None
        return ActionContext.for_user(conn, self.runtime(conn), user, now)

    def create(self, entity: str, now: datetime = NOW, **values: Any) -> int:
        """Create a record as the system (an import would), bypassing every role."""
        with self.platform.store.write(self.tenant) as conn:
            runtime = self.runtime(conn)
            ctx = WriteContext(conn, runtime, entity, None, now)
            (record_id,) = create_records(ctx, runtime.entities[entity], [values])
            return record_id

    def lead(self, company: str = "ACME", **values: Any) -> int:
        return self.create("lead", company=company, contact_name="Li Lei", **values)

    def read(self, entity: str, record_id: int) -> dict[str, Any]:
        with self.platform.store.read(self.tenant) as conn:
            runtime = self.runtime(conn)
            return get_record(
                ReadContext(conn, runtime, entity), runtime.entities[entity], record_id
            )

    def count(self, entity: str) -> int:
        with self.platform.store.read(self.tenant) as conn:
            table = self.runtime(conn).entities[entity].table
            return int(conn.scalar(select(func.count()).select_from(table)) or 0)

    def run(
        self,
        username: str,
        record_id: int,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        now: datetime = NOW,
        entity: str = "lead",
    ) -> dict[str, Any]:
        with self.platform.store.write(self.tenant) as conn:
            ctx = self.context(conn, username, now)
            return run_action(ctx, entity, record_id, action, params or {})

    def offered(self, username: str, record_id: int, entity: str = "lead") -> list[str]:
        with self.platform.store.read(self.tenant) as conn:
            ctx = self.context(conn, username)
            return [a["key"] for a in available_actions(ctx, entity, record_id)]

    @contextmanager
    def system(self, now: datetime = NOW) -> Iterator[ActionContext]:
        with self.platform.store.write(self.tenant) as conn:
            yield ActionContext.system(conn, self.runtime(conn), now)


def install_sales(
    platform: Platform, tenant: str, definition: dict[str, Any] | None = None
) -> Sales:
    """Install the app (or a changed copy) and create its people with their roles."""
    sales = Sales(platform, tenant)
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(definition or sales_app()))
        departments = {
            "east": create_department(conn, "East"),
            "west": create_department(conn, "West"),
        }
        for username, (department, roles) in PEOPLE.items():
            user = create_user(
                conn,
                platform.passwords,
                username,
                "pw",
                username,
                department_id=departments[department] if department else None,
            )
            sales.ids[username] = user.id
            for role in roles:
                grant_role(conn, user.id, "sales", role)
        for username in ("admin", "rep"):
            found = conn.scalar(select(users.c.id).where(users.c.username == username))
            sales.ids[username] = int(found)
    return sales
