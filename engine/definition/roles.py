"""Roles: per entity, which actions on which records, and per field, what access."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.definition.common import Key, Label, Strict

Scope = Literal["own", "department", "department_and_below", "all"]


class EntityPermission(Strict):
    read: Scope | bool = False
    create: bool = False
    update: Scope | bool = False
    delete: Scope | bool = False
    fields: dict[Key, Literal["hidden", "read", "write"]] = Field(default_factory=dict)


class RoleDef(Strict):
    key: Key
    label: Label | None = None
    permissions: dict[Key, EntityPermission] = Field(default_factory=dict)
