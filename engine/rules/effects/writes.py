"""Effects that write records: this record's fields, a new record, related records.

All three go through the record service with the run's context (caused by
the triggering event): the values are validated as a form's would be, the
writes are audited as caused by the rule and emit events of their own, so
rules can chain, up to the kernel's depth cap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import Field, model_validator
from sqlalchemy import select

from engine.definition import Key
from engine.forms import (
    EntityRuntime,
    ListQuery,
    WriteContext,
    create_records,
    list_records,
    parse_filter,
    update_record,
)
from engine.rules.base import CheckContext, Effect, Issue, RuleRun, Settings, record_names
from engine.rules.subscriber import writing_itself
from engine.rules.values import check_values, parse_values, resolve_values

#: Related records one ``update_records`` effect writes for one run, at most
#: (one page of ``list_records``, whose largest page is 500).
MAX_TARGETS = 500

ValueMap = dict[Key, Any]


def context_for(ctx: WriteContext, entity_key: str) -> WriteContext:
    """The run's write context aimed at another entity (same chain, clock, hooks)."""
    if ctx.entity_key == entity_key:
        return ctx
    return replace(ctx, entity_key=entity_key, titles={}, defaults={})


def write_fields(
    ctx: WriteContext, entity: EntityRuntime, record_id: int, values: Mapping[str, Any]
) -> None:
    """Update a record at its current version (a rule writes after the user did)."""
    version = ctx.conn.execute(
        select(entity.table.c.version).where(entity.table.c.id == record_id)
    ).scalar_one()
    update_record(context_for(ctx, entity.key), entity, record_id, values, int(version))


class SetFieldsConfig(Settings):
    values: ValueMap = Field(min_length=1, max_length=100)


class SetFields(Effect):
    key = "set_fields"
    label = {"zh-CN": "修改本记录字段", "en": "Set fields of this record"}
    description = {
        "zh-CN": "给触发规则的记录写入值：固定值，或以 = 开头的表达式。",
        "en": "Write values into the record that triggered the rule: literals, or expressions "
        "starting with =.",
    }
    Config = SetFieldsConfig

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        assert isinstance(self.config, SetFieldsConfig)
        yield from check_values(self.config.values, cc.entity, cc.names, f"{path}.values")

    def run(self, runs: Sequence[RuleRun]) -> None:
        assert isinstance(self.config, SetFieldsConfig)
        values = parse_values(self.config.values)
        for run in runs:
            assert run.record_id is not None
            resolved = resolve_values(values, run.scope(), run.eval_context())
            with writing_itself(run.ctx, run.rule.key, run.entity.key, (run.record_id,)):
                write_fields(run.ctx, run.entity, run.record_id, resolved)
            self.done(run, values=_jsonable(resolved))


class CreateRecordConfig(Settings):
    entity: Key
    values: ValueMap = Field(min_length=1, max_length=200)


class CreateRecord(Effect):
    key = "create_record"
    label = {"zh-CN": "新建记录", "en": "Create a record"}
    description = {
        "zh-CN": "新建任意实体的一条记录（如待办），值可用表达式，可链接到本记录（= id）。",
        "en": "Create a record of any entity (a to-do…); values may be expressions and may "
        "link to this record (=id).",
    }
    Config = CreateRecordConfig
    needs_record = False

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        assert isinstance(self.config, CreateRecordConfig)
        target = cc.entity_of(self.config.entity)
        if target is None:
            yield f"{path}.entity", f"unknown entity {self.config.entity!r}"
            return
        yield from check_values(self.config.values, target, cc.names, f"{path}.values")

    def run(self, runs: Sequence[RuleRun]) -> None:
        assert isinstance(self.config, CreateRecordConfig)
        if not runs:
            return
        values = parse_values(self.config.values)
        target = runs[0].ctx.app.entities[self.config.entity]
        inputs = [resolve_values(values, run.scope(), run.eval_context()) for run in runs]
        ids = create_records(context_for(runs[0].ctx, target.key), target, inputs)
        for run, new_id in zip(runs, ids, strict=True):
            self.done(run, entity=target.key, created=new_id)


class UpdateRecordsConfig(Settings):
    entity: Key
    #: A link field of the triggering record: its targets are updated…
    records: Key | None = None
    #: …or the records of ``entity`` this filter selects (records filter language).
    filter: Any = None
    #: On updates, also the records the link pointed at before the change (a
    #: receipt moved to another instalment recomputes both instalments).
    previous: bool = False
    values: ValueMap = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_selection(self) -> UpdateRecordsConfig:
        if (self.records is None) == (self.filter is None):
            raise ValueError("give either records (a link field) or filter")
        return self


class UpdateRecords(Effect):
    key = "update_records"
    label = {"zh-CN": "更新关联记录", "en": "Update related records"}
    description = {
        "zh-CN": "更新本记录链接到的记录（或筛选出的记录）：回写。target.字段 读取被更新记录的值。",
        "en": "Update the records this record links to (or those a filter selects): "
        "write-backs. target.<field> reads the record being written.",
    }
    Config = UpdateRecordsConfig

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        assert isinstance(self.config, UpdateRecordsConfig)
        target = cc.entity_of(self.config.entity)
        if target is None:
            yield f"{path}.entity", f"unknown entity {self.config.entity!r}"
            return
        if self.config.records is not None:
            bound = cc.entity.fields.get(self.config.records)
            if bound is None or bound.defn.type not in ("link", "links"):
                yield (
                    f"{path}.records",
                    f"{self.config.records!r} is not a link field of {cc.entity.key}",
                )
            elif getattr(bound.options, "target", None) != target.key:
                yield (
                    f"{path}.records",
                    f"{cc.entity.key}.{self.config.records} links to "
                    f"{bound.options.target}, not to {target.key}",
                )
        else:
            try:
                parse_filter(json.dumps(self.config.filter))
            except Exception as err:
                yield f"{path}.filter", str(err)
        if self.config.previous and self.config.records is None:
            yield f"{path}.previous", "previous needs records (a link field)"
        # ``target.`` reads the stored fields and the roll-ups and lookups of the
        # record being written: ``=target.confirmed_amount`` recomputes a total.
        readable = record_names(target) | {b.key for b in target.query_time}
        names = cc.names | {f"target.{k}" for k in readable}
        yield from check_values(self.config.values, target, names, f"{path}.values")

    def _targets(self, run: RuleRun, target: EntityRuntime) -> list[int]:
        assert isinstance(self.config, UpdateRecordsConfig)
        if self.config.records is not None:
            ids = _link_ids(run.values.get(self.config.records))
            if self.config.previous and run.old is not None:
                ids += [i for i in _link_ids(run.old.get(self.config.records)) if i not in ids]
            return ids
        ctx = context_for(run.ctx, target.key)
        query = ListQuery(
            page_size=MAX_TARGETS,
            filter=parse_filter(json.dumps(self.config.filter)),
            with_total=False,
        )
        return [int(item["id"]) for item in list_records(ctx, target, query)["items"]]

    def run(self, runs: Sequence[RuleRun]) -> None:
        assert isinstance(self.config, UpdateRecordsConfig)
        if not runs:
            return
        from engine.rules.subscriber import load_values, query_time_values

        values = parse_values(self.config.values)
        target = runs[0].ctx.app.entities[self.config.entity]
        computed = {
            name.removeprefix("target.")
            for value in values.values()
            if value.expression is not None
            for name in value.expression.names
            if name.startswith("target.")
        }
        for run in runs:
            ids = self._targets(run, target)
            written = []
            extra = query_time_values(run.ctx, target, ids, computed)
            for target_id, stored in load_values(run.ctx, target, ids).items():
                if stored.get("deleted_at") is not None:
                    continue
                stored = stored | extra.get(target_id, {})
                scope = run.scope() | {f"target.{k}": v for k, v in stored.items()}
                resolved = resolve_values(values, scope, run.eval_context())
                write_fields(run.ctx, target, target_id, resolved)
                written.append(target_id)
            self.done(run, entity=target.key, updated=written)


def _link_ids(value: Any) -> list[int]:
    ids = value if isinstance(value, list) else [value]
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | None) else str(v)
        for k, v in values.items()
    }


__all__ = ["CreateRecord", "SetFields", "UpdateRecords", "context_for", "write_fields"]
