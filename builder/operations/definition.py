"""Changes of the definition alone: labels, options, forms, views, roles.

No table changes, but it is still a new version. Where an option makes
existing values invalid (an option taken out of a select, a lower maximum,
a field made required), the check counts the records concerned as a
warning: their values are kept and must be corrected when next edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, select
from sqlalchemy.sql.elements import ColumnClause

from builder.ddl import light_table
from builder.operations.base import (
    ApplyContext,
    Operation,
    PlanContext,
    Problem,
    Scope,
    Text,
    display_name,
)
from builder.operations.convert import scan_conversion
from engine.definition import FieldDef
from engine.forms import bind_field

#: Options that only change how a field looks or behaves in forms, never what is valid.
PRESENTATION = frozenset(
    {"label", "help", "visible_when", "readonly_when", "display", "default", "description"}
)


@dataclass(frozen=True)
class ChangeField(Operation):
    kind = "change_field"
    phase = 11
    changes_data = False
    scope: Scope
    old: FieldDef
    field: FieldDef
    changed: tuple[str, ...]
    #: Where the field's values are before the publish (for the warnings).
    before_table: str | None = None
    before_column: str | None = None

    def describe(self) -> Text:
        name = display_name(self.field)
        what = ", ".join(self.changed)
        return {
            "en": f"Change {what} of field {name['en']} of {self.scope.path}: "
            "no change to stored data.",
            "zh-CN": f"修改 {self.scope.path} 的字段{name['zh-CN']}的 {what}:不改变已存数据。",
        }

    def details(self) -> dict[str, Any]:
        return {
            **self.scope.to_json(),
            "field": self.field.key,
            "changed": list(self.changed),
        }

    def check(self, ctx: PlanContext) -> list[Problem]:
        if self.before_table is None or self.before_column is None:
            return []
        problems: list[Problem] = []
        path = f"{self.scope.path}.{self.field.key}"
        new = bind_field(self.field)
        if self.field.required and not self.old.required and new.type.writable:
            value: ColumnClause[Any] = column(self.before_column)
            empty = ctx.conn.scalar(
                select(func.count())
                .select_from(light_table(self.before_table, value))
                .where(value.is_(None))
            )
            if empty:
                problems.append(
                    Problem(
                        "required_field_empty",
                        path,
                        f"is now required, but {empty} existing record(s) have no value; "
                        "they keep it empty until next edited",
                        blocking=False,
                    )
                )
        validity = set(self.changed) - PRESENTATION - {"required"}
        if validity and new.type.stored and new.type.writable:
            scan = scan_conversion(
                ctx.conn,
                self.before_table,
                self.before_column,
                bind_field(self.old),
                new,
                self.scope.subtable is not None,
            )
            if scan.failed:
                problems.append(
                    Problem(
                        "values_now_invalid",
                        path,
                        f"{scan.failed} existing value(s) are not valid under the new options; "
                        "they are kept as they are and must be corrected when next edited",
                        blocking=False,
                        records=tuple(scan.failures),
                        total=scan.failed,
                    )
                )
        return problems

    def apply(self, ctx: ApplyContext) -> None:
        """Nothing to do to the tables: the new version's runtime reads the new options."""


@dataclass(frozen=True)
class ChangeDefinition(Operation):
    kind = "change_definition"
    phase = 11
    changes_data = False
    parts: tuple[str, ...]

    def describe(self) -> Text:
        what = ", ".join(self.parts)
        return {
            "en": f"Update {what}: no change to stored data.",
            "zh-CN": f"更新 {what}:不改变已存数据。",
        }

    def details(self) -> dict[str, Any]:
        return {"parts": list(self.parts)}

    def apply(self, ctx: ApplyContext) -> None:
        """Nothing to do to the tables: forms, views and roles are read from the definition."""
