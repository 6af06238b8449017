import { Select, Tag } from "antd";
import type { FieldDef } from "../api/types";
import { useI18n } from "../hooks/useI18n";
import type { LabelOf } from "../i18n";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asArray, asString } from "./values";

function optionLabel(field: FieldDef, value: string, label: LabelOf): string {
  const option = field.options?.find((candidate) => candidate.value === value);
  return label(option?.label, value);
}

function useOptions(field: FieldDef) {
  const { label } = useI18n();
  return (field.options ?? []).map((option) => ({ value: option.value, label: label(option.label, option.value) }));
}

function SelectInput({ field, value, onChange, id, ...aria }: FieldInputProps) {
  return (
    <Select
      id={id}
      {...aria}
      allowClear
      showSearch={{ optionFilterProp: "label" }}
      options={useOptions(field)}
      value={asString(value) ?? null}
      onChange={(next: string | undefined) => onChange?.(next ?? null)}
    />
  );
}

function MultiSelectInput({ field, value, onChange, id, ...aria }: FieldInputProps) {
  return (
    <Select
      id={id}
      {...aria}
      mode="multiple"
      allowClear
      showSearch={{ optionFilterProp: "label" }}
      options={useOptions(field)}
      value={asArray(value).flatMap((item) => asString(item) ?? [])}
      onChange={(next: string[]) => onChange?.(next)}
    />
  );
}

export const select: FieldRenderer = {
  Input: SelectInput,
  display: (value, field, { label }) => {
    const key = asString(value);
    return key === undefined ? "" : optionLabel(field, key, label);
  },
};

export const multiselect: FieldRenderer = {
  Input: MultiSelectInput,
  display: (value, field, { label }) =>
    asArray(value).map((item) => {
      const key = asString(item) ?? JSON.stringify(item);
      return <Tag key={key}>{optionLabel(field, key, label)}</Tag>;
    }),
};
