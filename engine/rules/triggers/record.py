"""The triggers a write starts: created, updated, deleted, a field changed, an action ran."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from engine.definition import Key
from engine.forms import (
    ActionRan,
    RecordDeleted,
    RecordEvent,
    RecordRestored,
    RecordsCreated,
    RecordUpdated,
)
from engine.rules.base import CheckContext, Issue, Settings, Trigger


class Created(Trigger):
    key = "created"
    label = {"zh-CN": "新建记录时", "en": "When a record is created"}
    description = {
        "zh-CN": "记录新建后（表单、API、导入、批量、其他规则）。",
        "en": "After a record is created (form, API, import, bulk, another rule).",
    }
    events = (RecordsCreated,)


class Updated(Trigger):
    key = "updated"
    label = {"zh-CN": "修改记录时", "en": "When a record is updated"}
    description = {
        "zh-CN": "记录的任何字段被修改后；条件里用 old.字段 读取修改前的值。",
        "en": "After any field of a record changes; old.<field> reads the value before.",
    }
    events = (RecordUpdated,)
    sees_old = True


class Deleted(Trigger):
    key = "deleted"
    label = {"zh-CN": "删除记录时", "en": "When a record is deleted"}
    description = {
        "zh-CN": "记录被移入回收站后。",
        "en": "After a record is moved to the recycle bin.",
    }
    events = (RecordDeleted,)


class Restored(Trigger):
    key = "restored"
    label = {"zh-CN": "从回收站恢复时", "en": "When a record is restored"}
    description = {
        "zh-CN": "记录从回收站恢复后（与删除时的规则配对，如重算汇总）。",
        "en": "After a record comes back from the recycle bin (pairs with a deleted rule, "
        "such as recomputing a total).",
    }
    events = (RecordRestored,)


class FieldChangedConfig(Settings):
    #: Any of these fields.
    fields: list[Key] = Field(min_length=1, max_length=50)


class FieldChanged(Trigger):
    key = "field_changed"
    label = {"zh-CN": "字段变化时", "en": "When a field changes"}
    description = {
        "zh-CN": "所选字段之一的值被修改后；old.字段 是修改前的值。",
        "en": "After one of the chosen fields changes; old.<field> is its value before.",
    }
    Config = FieldChangedConfig
    events = (RecordUpdated,)
    sees_old = True

    def matches(self, event: RecordEvent) -> bool:
        assert isinstance(self.config, FieldChangedConfig)
        return isinstance(event, RecordUpdated) and not event.changed.isdisjoint(self.config.fields)

    def check(self, cc: CheckContext) -> Iterator[Issue]:
        assert isinstance(self.config, FieldChangedConfig)
        for i, key in enumerate(self.config.fields):
            if key not in cc.entity.fields:
                yield f"{cc.path}.trigger.fields[{i}]", f"unknown field {key!r} of {cc.entity.key}"


class ActionRanConfig(Settings):
    #: The key of a record action of the entity (``confirm_receipt``).
    action: Key


class ActionRanTrigger(Trigger):
    key = "action_ran"
    label = {"zh-CN": "执行操作后", "en": "When a record action runs"}
    description = {
        "zh-CN": "记录上的某个操作按钮（如确认回款）执行成功后。",
        "en": "After a record action (a button such as confirm receipt) ran.",
    }
    Config = ActionRanConfig
    events = (ActionRan,)

    def matches(self, event: RecordEvent) -> bool:
        assert isinstance(self.config, ActionRanConfig)
        return isinstance(event, ActionRan) and event.action_key == self.config.action

    def check(self, cc: CheckContext) -> Iterator[Issue]:
        assert isinstance(self.config, ActionRanConfig)
        actions = {a.key for a in cc.app.definition.actions if a.entity == cc.rule.entity}
        if self.config.action not in actions:
            yield (
                f"{cc.path}.trigger.action",
                f"unknown action {self.config.action!r} of {cc.rule.entity}",
            )


__all__ = ["ActionRanTrigger", "Created", "Deleted", "FieldChanged", "Restored", "Updated"]
