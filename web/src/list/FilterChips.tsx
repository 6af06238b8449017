/**
 * What the list is filtered by, as removable tags above it: one per condition
 * of the filter builder (or one for a filter of nested groups) and one per
 * column filter. A link's value shows as the linked record's title, so a list
 * opened from a customer's "view all" reads "Customer is Acme Ltd".
 */
import { CloseOutlined } from "@ant-design/icons";
import { Flex, Tag } from "antd";
import type { ReactNode } from "react";
import { api } from "../api/client";
import type { EntityDef, FieldDef } from "../api/types";
import { findEntity } from "../definition";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import type { FilterCatalogue } from "./api";
import { countConditions, isComplete, isGroup, type Condition, type Group } from "./filters";

/** The title of record `id` of `target`; `#id` until it loads, or when the reader may not read it. */
function LinkTitle({ app, target, id }: { app: string; target: EntityDef; id: number }) {
  const { data } = useLoader(() => api.getRecord(app, target.key, id), [app, target.key, id]);
  const title = data && target.title_field ? data[target.title_field] : undefined;
  return <>{typeof title === "string" && title ? title : `#${id}`}</>;
}

function ConditionText({
  app,
  catalogue,
  field,
  condition,
}: {
  app: string;
  catalogue?: FilterCatalogue;
  field?: FieldDef;
  condition: Condition;
}) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const name = field ? label(field.label, field.key) : condition.field;
  const known = catalogue?.operators.find((candidate) => candidate.op === condition.op);
  const op = label(known?.label, condition.op);
  if (condition.op === "is_empty") return <>{`${name} ${condition.value === "false" ? t("filterNotEmpty") : op}`}</>;
  const target = field?.type === "link" && field.target ? findEntity(definition, field.target) : undefined;
  const values = condition.value.split(",").map((part) => part.trim());
  const shown = values.map((value, index) => {
    const option = field?.options?.find((candidate) => candidate.value === value);
    const text = option ? label(option.label, value) : value;
    const separator = index ? (condition.op === "between" ? " – " : ", ") : "";
    return (
      <span key={index}>
        {separator}
        {target && /^\d+$/.test(value) ? <LinkTitle app={app} target={target} id={Number(value)} /> : text}
      </span>
    );
  });
  return (
    <>
      {`${name} ${op} `}
      {shown}
    </>
  );
}

interface Props {
  app: string;
  entity: EntityDef;
  catalogue?: FilterCatalogue;
  tree: Group;
  columnFilters: Record<string, Condition>;
  /** The builder's filter without its condition `index`; undefined: without any. */
  onRemoveCondition: (index?: number) => void;
  onRemoveColumn: (key: string) => void;
}

export function FilterChips({ app, entity, catalogue, tree, columnFilters, onRemoveCondition, onRemoveColumn }: Props) {
  const { t } = useI18n();
  const fieldOf = (key: string) => entity.fields.find((field) => field.key === key);
  // A flat "all of" list reads as separate conditions; anything else as one filter.
  const flat = tree.match === "and" || tree.items.length === 1;
  const conditions = tree.items.flatMap((item, index) => (!isGroup(item) && isComplete(item) ? [{ item, index }] : []));
  const complex = tree.items.length > 0 && (!flat || conditions.length !== tree.items.length);
  const chip = (key: string, testId: string, onClose: () => void, text: ReactNode) => (
    <Tag
      key={key}
      closable
      data-testid={testId}
      closeIcon={<CloseOutlined aria-label={t("removeCondition")} data-testid={`${testId}-remove`} />}
      onClose={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {text}
    </Tag>
  );
  const columnEntries = Object.entries(columnFilters).filter(([, condition]) => isComplete(condition));
  if (!tree.items.length && !columnEntries.length) return null;
  return (
    <Flex gap={4} wrap className="fw-gap" data-testid="filter-chips" aria-label={t("filterBuilder")}>
      {complex
        ? chip("tree", "filter-chip-tree", () => onRemoveCondition(undefined), t("filterCount", { n: countConditions(tree) }))
        : conditions.map(({ item, index }) =>
            chip(`c${index}`, `filter-chip-${item.field}`, () => onRemoveCondition(index), (
              <ConditionText app={app} catalogue={catalogue} field={fieldOf(item.field)} condition={item} />
            )),
          )}
      {columnEntries.map(([key, condition]) =>
        chip(`col-${key}`, `filter-chip-column-${key}`, () => onRemoveColumn(key), (
          <ConditionText app={app} catalogue={catalogue} field={fieldOf(key)} condition={condition} />
        )),
      )}
    </Flex>
  );
}
