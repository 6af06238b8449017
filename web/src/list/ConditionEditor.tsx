import { Input, Select, Space } from "antd";
import type { FieldDef } from "../api/types";
import { useI18n } from "../hooks/useI18n";
import type { FilterCatalogue } from "./api";
import { operatorsOf, type Condition } from "./filters";

/** One condition: field (unless fixed by a column), operator of its kind, value. */
export function ConditionEditor({
  catalogue,
  fields,
  condition,
  onChange,
  fixedField,
  testId,
}: {
  catalogue: FilterCatalogue;
  fields: FieldDef[];
  condition: Condition;
  /** Takes an updater, not a value: two quick edits (an operator, then a
   * keystroke) must each apply to the other's result, never to a stale copy. */
  onChange: (update: (current: Condition) => Condition) => void;
  fixedField?: boolean;
  testId: string;
}) {
  const { t, label } = useI18n();
  const field = fields.find((candidate) => candidate.key === condition.field);
  const operators = field ? operatorsOf(catalogue, field) : [];
  const opLabel = (op: string) => {
    const found = catalogue.operators.find((candidate) => candidate.op === op);
    return label(found?.label, op);
  };
  const choices = field?.options?.length && ["eq", "ne", "in", "not_in", "contains"].includes(condition.op);
  const multiple = ["in", "not_in", "contains"].includes(condition.op);
  return (
    <Space wrap data-testid={testId}>
      {!fixedField && (
        <Select
          data-testid={`${testId}-field`}
          placeholder={t("chooseField")}
          style={{ minWidth: 140 }}
          value={condition.field || undefined}
          showSearch
          optionFilterProp="label"
          options={fields.map((candidate) => ({ value: candidate.key, label: label(candidate.label, candidate.key) }))}
          onChange={(key: string) => {
            const next = fields.find((candidate) => candidate.key === key);
            const ops = next ? operatorsOf(catalogue, next) : [];
            onChange(() => ({ field: key, op: ops[0] ?? "eq", value: "" }));
          }}
        />
      )}
      <Select
        data-testid={`${testId}-op`}
        placeholder={t("chooseOperator")}
        style={{ minWidth: 110 }}
        value={condition.op || undefined}
        options={operators.map((op) => ({ value: op, label: opLabel(op) }))}
        onChange={(op: string) => onChange((current) => ({ ...current, op }))}
      />
      {condition.op !== "is_empty" &&
        (choices ? (
          <Select
            data-testid={`${testId}-value`}
            style={{ minWidth: 160 }}
            mode={multiple ? "multiple" : undefined}
            value={multiple ? condition.value.split(",").filter(Boolean) : condition.value || undefined}
            options={(field?.options ?? []).map((option) => ({ value: option.value, label: label(option.label, option.value) }))}
            onChange={(value: string | string[]) =>
              onChange((current) => ({ ...current, value: Array.isArray(value) ? value.join(",") : value }))
            }
          />
        ) : (
          <Input
            data-testid={`${testId}-value`}
            placeholder={t("filterValue")}
            title={t("filterValueHint")}
            style={{ width: 180 }}
            value={condition.value}
            onChange={(event) => {
              const value = event.target.value;
              onChange((current) => ({ ...current, value }));
            }}
          />
        ))}
    </Space>
  );
}
