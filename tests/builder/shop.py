"""A small template ("shop") for the overlay, upgrade and package tests, and edits of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Json = dict[str, Any]

SHOP: Json = {
    "key": "shop",
    "version": "1.0.0",
    "label": {"en": "Shop", "zh-CN": "商店"},
    "description": {"en": "A small sales app"},
    "entities": [
        {
            "key": "customer",
            "label": {"en": "Customer"},
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "label": {"en": "Name"}, "required": True},
                {
                    "key": "level",
                    "type": "select",
                    "label": {"en": "Level"},
                    "options": [
                        {"value": "a", "label": {"en": "A"}},
                        {"value": "b", "label": {"en": "B"}},
                    ],
                },
                {"key": "phone", "type": "text", "label": {"en": "Phone"}},
                {"key": "fax", "type": "text", "label": {"en": "Fax"}},
                {"key": "note", "type": "text", "label": {"en": "Note"}},
            ],
        },
        {
            "key": "deal",
            "label": {"en": "Deal"},
            "title_field": "title",
            "fields": [
                {"key": "title", "type": "text", "required": True},
                {"key": "customer", "type": "link", "target": "customer"},
                {
                    "key": "stage",
                    "type": "select",
                    "label": {"en": "Stage"},
                    "default": "new",
                    "options": [
                        {"value": "new", "label": {"en": "New"}, "probability": 0.1},
                        {"value": "won", "label": {"en": "Won"}, "probability": 1.0},
                        {"value": "lost", "label": {"en": "Lost"}, "probability": 0.0},
                    ],
                },
                {"key": "amount", "type": "currency", "precision": 2},
                {
                    "key": "lines",
                    "type": "subtable",
                    "fields": [
                        {"key": "product", "type": "text"},
                        {"key": "qty", "type": "number", "precision": 0},
                    ],
                },
            ],
        },
    ],
    "forms": [
        {
            "entity": "customer",
            "key": "default",
            "label": {"en": "Customer"},
            "layout": [
                {"section": {"en": "Basics"}, "columns": 2, "fields": ["name", "level"]},
                {"section": {"en": "Contact"}, "fields": ["phone", "fax", "note"]},
            ],
        },
        {
            "entity": "deal",
            "key": "default",
            "layout": [{"fields": ["title", "customer", "stage", "amount", "lines"]}],
        },
    ],
    "views": [
        {
            "type": "table",
            "entity": "customer",
            "key": "all",
            "label": {"en": "All customers"},
            "columns": ["name", "level", "phone", "fax"],
            "sort": ["name"],
        },
        {
            "type": "kanban",
            "entity": "deal",
            "key": "pipeline",
            "label": {"en": "Pipeline"},
            "group_by": "stage",
            "card_fields": ["title", "amount"],
        },
    ],
    "roles": [
        {
            "key": "rep",
            "label": {"en": "Rep"},
            "permissions": {
                "customer": {"read": "all", "create": True, "update": "own"},
                "deal": {"read": "own", "create": True, "update": "own"},
            },
        }
    ],
    "actions": [
        {
            "key": "win",
            "entity": "deal",
            "type": "set_fields",
            "label": {"en": "Win"},
            "set": {"stage": "='won'"},
        }
    ],
}

Edit = Callable[[Json], None]


def edited(*edits: Edit, data: Json = SHOP) -> Json:
    copied = copy.deepcopy(data)
    for edit in edits:
        edit(copied)
    return copied


def entity(data: Json, key: str) -> Json:
    return next(e for e in data["entities"] if e["key"] == key)


def field(data: Json, entity_key: str, key: str) -> Json:
    return next(f for f in entity(data, entity_key)["fields"] if f["key"] == key)


def form(data: Json, entity_key: str, key: str = "default") -> Json:
    return next(f for f in data["forms"] if (f["entity"], f["key"]) == (entity_key, key))


def view(data: Json, entity_key: str, key: str) -> Json:
    return next(v for v in data["views"] if (v["entity"], v["key"]) == (entity_key, key))


def version(number: str) -> Edit:
    def edit(data: Json) -> None:
        data["version"] = number

    return edit


# -- what a tenant typically does -------------------------------------------------------------
def add_wechat(data: Json) -> None:
    """A field of the tenant's own, on the form and in the table."""
    fields = entity(data, "customer")["fields"]
    fields.insert(3, {"key": "wechat", "type": "text", "label": {"en": "WeChat"}})
    form(data, "customer")["layout"][1]["fields"].insert(0, "wechat")
    view(data, "customer", "all")["columns"].append("wechat")


def add_pilot_stage(data: Json) -> None:
    options = field(data, "deal", "stage")["options"]
    at = next(i for i, o in enumerate(options) if o["value"] == "new") + 1
    options.insert(at, {"value": "pilot", "label": {"en": "Pilot"}, "probability": 0.6})


def relabel_phone(data: Json) -> None:
    field(data, "customer", "phone")["label"] = {"en": "Mobile"}


def hide_fax(data: Json) -> None:
    for section in form(data, "customer")["layout"]:
        if "fax" in section["fields"]:
            section["fields"].remove("fax")
    view(data, "customer", "all")["columns"].remove("fax")


TENANT_EDITS: tuple[Edit, ...] = (add_wechat, add_pilot_stage, relabel_phone, hide_fax)


# -- what the vendor does in 1.1.0 ------------------------------------------------------------
def add_email(data: Json) -> None:
    """A new template field, shown in the contact section."""
    entity(data, "customer")["fields"].append(
        {"key": "email", "type": "email", "label": {"en": "Email"}}
    )
    form(data, "customer")["layout"][1]["fields"].append("email")


def add_negotiation_stage(data: Json) -> None:
    options = field(data, "deal", "stage")["options"]
    at = next(i for i, o in enumerate(options) if o["value"] == "won")
    options.insert(at, {"value": "negotiation", "label": {"en": "Negotiation"}, "probability": 0.8})


def remove_phone(data: Json) -> None:
    entity(data, "customer")["fields"] = [
        f for f in entity(data, "customer")["fields"] if f["key"] != "phone"
    ]
    form(data, "customer")["layout"][1]["fields"].remove("phone")
    view(data, "customer", "all")["columns"].remove("phone")


SHOP_1_1 = edited(version("1.1.0"), add_email, add_negotiation_stage)
