"""A small app whose hidden fields reach other fields every way a value can travel.

Role ``rep`` may not see ``account.secret``, ``account.ledger``,
``deal.hush`` and ``contact.name`` (the contact's title), and has no access
at all to ``vault``. Everything derived from those is hidden from ``rep``
too; the ``visible`` lists say what stays shown.
"""

from __future__ import annotations

from typing import Any

APP = "derived"

DEFINITION: dict[str, Any] = {
    "key": APP,
    "version": "1.0.0",
    "entities": [
        {
            "key": "account",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "code", "type": "text"},
                {"key": "secret", "type": "number", "precision": 0},
                # A formula on the secret, and a formula on that formula.
                {"key": "tier", "type": "formula", "expr": "secret * 2"},
                {"key": "tier_plus", "type": "formula", "expr": "tier + 1"},
                {
                    "key": "label",
                    "type": "formula",
                    "expr": "CONCAT(code, '!')",
                    "result_type": "text",
                },
                {
                    "key": "ledger",
                    "type": "subtable",
                    "fields": [
                        {"key": "what", "type": "text"},
                        {"key": "sum", "type": "number"},
                        {"key": "twice", "type": "formula", "expr": "sum * 2"},
                    ],
                },
                {"key": "ledger_total", "type": "formula", "expr": "SUMOF(ledger, 'sum')"},
                # Roll-ups: a visible field, a hidden one, a hidden where, an unreadable entity.
                {
                    "key": "deal_total",
                    "type": "rollup",
                    "source": "deal",
                    "via": "account",
                    "agg": "sum",
                    "field": "amount",
                },
                {
                    "key": "hush_total",
                    "type": "rollup",
                    "source": "deal",
                    "via": "account",
                    "agg": "sum",
                    "field": "hush",
                },
                {
                    "key": "hushed_deals",
                    "type": "rollup",
                    "source": "deal",
                    "via": "account",
                    "agg": "count",
                    "where": "hush > 10",
                },
                {
                    "key": "vault_count",
                    "type": "rollup",
                    "source": "vault",
                    "via": "account",
                    "agg": "count",
                },
                # Conditions that read hidden fields (directly and through a formula).
                {"key": "bonus", "type": "number", "visible_when": "secret > 100"},
                {"key": "memo", "type": "text", "readonly_when": "tier > 200"},
                {"key": "reason", "type": "text", "required_when": "secret > 100"},
            ],
        },
        {
            "key": "contact",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "phone", "type": "text"},
            ],
        },
        {
            "key": "vault",
            "title_field": "code",
            "fields": [
                {"key": "code", "type": "text"},
                {"key": "account", "type": "link", "target": "account"},
            ],
        },
        {
            "key": "deal",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "account", "type": "link", "target": "account"},
                {"key": "contact", "type": "link", "target": "contact"},
                {"key": "vault", "type": "link", "target": "vault"},
                {"key": "amount", "type": "number"},
                {"key": "hush", "type": "number"},
                {
                    "key": "account_secret",
                    "type": "lookup",
                    "link": "account",
                    "field": "secret",
                },
                {"key": "account_tier", "type": "lookup", "link": "account", "field": "tier"},
                {"key": "account_code", "type": "lookup", "link": "account", "field": "code"},
                {"key": "contact_phone", "type": "lookup", "link": "contact", "field": "phone"},
                {"key": "vault_code", "type": "lookup", "link": "vault", "field": "code"},
                {"key": "net", "type": "formula", "expr": "amount - hush"},
                {"key": "double", "type": "formula", "expr": "amount * 2"},
            ],
        },
    ],
    "views": [
        {
            "entity": "account",
            "key": "big",
            "type": "table",
            "filter": {"field": "secret", "op": "gt", "value": 100},
            "sort": ["-secret", "name"],
        }
    ],
    "actions": [
        {
            # Offered by a condition on the hidden secret.
            "key": "celebrate",
            "entity": "account",
            "type": "set_fields",
            "label": {"en": "Celebrate"},
            "when": "secret > 100",
            "set": {"memo": "='party'"},
        },
        {
            "key": "note",
            "entity": "account",
            "type": "set_fields",
            "label": {"en": "Note"},
            "when": "code is not None",
            "set": {"memo": "='noted'"},
        },
    ],
    "roles": [
        {
            "key": "rep",
            "permissions": {
                "account": {
                    "read": "all",
                    "create": True,
                    "update": "all",
                    "fields": {"secret": "hidden", "ledger": "hidden"},
                },
                "deal": {
                    "read": "all",
                    "create": True,
                    "update": "all",
                    "fields": {"hush": "hidden"},
                },
                "contact": {"read": "all", "fields": {"name": "hidden"}},
            },
        }
    ],
}

#: What ``rep`` must never see, per entity.
HIDDEN = {
    "account": {
        "secret",
        "tier",
        "tier_plus",
        "ledger",
        "ledger_total",
        "hush_total",
        "hushed_deals",
        "vault_count",
    },
    "deal": {"hush", "account_secret", "account_tier", "vault_code", "net"},
    "contact": {"name"},
}

#: What ``rep`` still sees, per entity.
VISIBLE = {
    "account": {"name", "code", "label", "deal_total", "bonus", "memo", "reason"},
    "deal": {
        "name",
        "account",
        "contact",
        "vault",
        "amount",
        "account_code",
        "contact_phone",
        "double",
    },
    "contact": {"phone"},
}
