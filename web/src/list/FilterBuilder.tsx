import { DeleteOutlined, FilterOutlined } from "@ant-design/icons";
import { Badge, Button, Flex, Popover, Segmented } from "antd";
import { useState } from "react";
import type { FieldDef } from "../api/types";
import { useI18n } from "../hooks/useI18n";
import type { FilterCatalogue } from "./api";
import { ConditionEditor } from "./ConditionEditor";
import { countConditions, emptyGroup, isGroup, type Condition, type Group } from "./filters";

function GroupEditor({
  catalogue,
  fields,
  group,
  onChange,
  depth,
  testId,
}: {
  catalogue: FilterCatalogue;
  fields: FieldDef[];
  group: Group;
  /** An updater, so that edits made in quick succession compose. */
  onChange: (update: (current: Group) => Group) => void;
  depth: number;
  testId: string;
}) {
  const { t } = useI18n();
  const setItem = <T extends Condition | Group>(index: number, update: (current: T) => T) =>
    onChange((current) => ({ ...current, items: current.items.map((old, i) => (i === index ? update(old as T) : old)) }));
  const remove = (index: number) => onChange((current) => ({ ...current, items: current.items.filter((_, i) => i !== index) }));
  return (
    <Flex vertical gap="small" className={depth ? "fw-filter-group" : undefined} data-testid={testId}>
      <Segmented
        size="small"
        data-testid={`${testId}-match`}
        value={group.match}
        options={[
          { value: "and", label: t("matchAll") },
          { value: "or", label: t("matchAny") },
        ]}
        onChange={(match) => onChange((current) => ({ ...current, match: match as Group["match"] }))}
      />
      {group.items.map((item, index) => (
        <Flex key={index} gap="small" align="start">
          {isGroup(item) ? (
            <GroupEditor
              catalogue={catalogue}
              fields={fields}
              group={item}
              depth={depth + 1}
              testId={`${testId}-${index}`}
              onChange={(update) => setItem(index, update)}
            />
          ) : (
            <ConditionEditor
              catalogue={catalogue}
              fields={fields}
              condition={item}
              testId={`${testId}-${index}`}
              onChange={(update) => setItem(index, update)}
            />
          )}
          <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t("removeCondition")} onClick={() => remove(index)} />
        </Flex>
      ))}
      <Flex gap="small">
        <Button
          size="small"
          data-testid={`${testId}-add`}
          onClick={() => onChange((current) => ({ ...current, items: [...current.items, { field: "", op: "", value: "" }] }))}
        >
          {t("addCondition")}
        </Button>
        {depth < 2 && (
          <Button size="small" onClick={() => onChange((current) => ({ ...current, items: [...current.items, emptyGroup()] }))}>
            {t("addGroup")}
          </Button>
        )}
      </Flex>
    </Flex>
  );
}

/** The filter builder: and/or groups of conditions, applied to the list when asked. */
export function FilterBuilder({
  catalogue,
  fields,
  value,
  onApply,
}: {
  catalogue: FilterCatalogue;
  fields: FieldDef[];
  value: Group;
  onApply: (next: Group) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Group>(value);
  const active = countConditions(value);
  return (
    <Popover
      open={open}
      trigger="click"
      placement="bottomLeft"
      onOpenChange={(next) => {
        if (next) setDraft(value);
        setOpen(next);
      }}
      content={
        <Flex vertical gap="middle" style={{ maxWidth: 640 }}>
          <GroupEditor catalogue={catalogue} fields={fields} group={draft} onChange={setDraft} depth={0} testId="filter-root" />
          <Flex gap="small" justify="end">
            <Button
              onClick={() => {
                onApply(emptyGroup());
                setOpen(false);
              }}
            >
              {t("clearFilter")}
            </Button>
            <Button
              type="primary"
              data-testid="filter-apply"
              onClick={() => {
                onApply(draft);
                setOpen(false);
              }}
            >
              {t("applyFilter")}
            </Button>
          </Flex>
        </Flex>
      }
    >
      <Badge count={active} size="small">
        <Button icon={<FilterOutlined />} data-testid="filter-builder">
          {t("filterBuilder")}
        </Button>
      </Badge>
    </Popover>
  );
}
