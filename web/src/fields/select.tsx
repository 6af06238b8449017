import { Cascader, Checkbox, Radio, Select, Tag } from "antd";
import type { FieldDef, SelectOption } from "../api/types";
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

function SelectInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const options = useOptions(field);
  const current = asString(value) ?? null;
  if (field.display === "radio" || field.display === "checkbox") {
    return (
      <Radio.Group
        id={id}
        {...aria}
        disabled={disabled}
        options={options}
        value={current}
        onChange={(event) => onChange?.((event.target.value as string | undefined) ?? null)}
      />
    );
  }
  return (
    <Select
      id={id}
      {...aria}
      allowClear
      disabled={disabled}
      showSearch={{ optionFilterProp: "label" }}
      options={options}
      value={current}
      onChange={(next: string | undefined) => onChange?.(next ?? null)}
    />
  );
}

function MultiSelectInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const options = useOptions(field);
  const current = asArray(value).flatMap((item) => asString(item) ?? []);
  if (field.display === "checkbox" || field.display === "radio") {
    // A checkbox group takes no id: the wrapper carries the field's id and state for its label.
    return (
      <div id={id} role="group" {...aria}>
        <Checkbox.Group disabled={disabled} options={options} value={current} onChange={(next) => onChange?.(next)} />
      </div>
    );
  }
  return (
    <Select
      id={id}
      {...aria}
      mode="multiple"
      allowClear
      disabled={disabled}
      showSearch={{ optionFilterProp: "label" }}
      options={options}
      value={current}
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

interface CascadeNode {
  value: string;
  label: string;
  children?: CascadeNode[];
}

function cascadeNodes(options: SelectOption[] | undefined, label: LabelOf): CascadeNode[] {
  return (options ?? []).map((option) => ({
    value: option.value,
    label: label(option.label, option.value),
    children: option.children?.length ? cascadeNodes(option.children, label) : undefined,
  }));
}

/** The labels along a path of the options tree, e.g. ["Electronics", "Phones"]. */
function pathLabels(field: FieldDef, path: string[], label: LabelOf): string[] {
  let level = field.options ?? [];
  return path.map((value) => {
    const option = level.find((candidate) => candidate.value === value);
    level = option?.children ?? [];
    return label(option?.label, value);
  });
}

function CascadeInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { label } = useI18n();
  const path = asArray(value).flatMap((item) => asString(item) ?? []);
  return (
    <Cascader
      id={id}
      {...aria}
      allowClear
      disabled={disabled}
      style={{ width: "100%" }}
      // Without require_leaf any level may be chosen, not only options without children.
      changeOnSelect={field.require_leaf === false}
      showSearch
      options={cascadeNodes(field.options, label)}
      value={path}
      onChange={(next) => onChange?.(next?.length ? next.map(String) : null)}
    />
  );
}

export const cascade: FieldRenderer = {
  Input: CascadeInput,
  display: (value, field, { label }) =>
    pathLabels(
      field,
      asArray(value).flatMap((item) => asString(item) ?? []),
      label,
    ).join(" / "),
};

/** Typed tags are cut here as well as on the server: a comma (either width) ends one. */
const TAG_SEPARATORS = [",", "，", ";", "；"];

function TagsInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <Select
      id={id}
      {...aria}
      mode="tags"
      allowClear
      disabled={disabled}
      open={false}
      suffixIcon={null}
      tokenSeparators={TAG_SEPARATORS}
      maxCount={field.max_count}
      value={asArray(value).flatMap((item) => asString(item) ?? [])}
      onChange={(next: string[]) => {
        const tags = next.map((tag) => tag.trim()).filter(Boolean);
        onChange?.(tags.length ? tags : null);
      }}
    />
  );
}

export const tags: FieldRenderer = {
  Input: TagsInput,
  display: (value) =>
    asArray(value).flatMap((item) => {
      const tag = asString(item);
      return tag === undefined ? [] : [<Tag key={tag}>{tag}</Tag>];
    }),
};
