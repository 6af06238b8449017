import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { AutoComplete, Button, Flex, Select, Typography } from "antd";
import type { EntityDef, FieldDef } from "../../api/types";
import { isReadOnly } from "../../definition";
import { useI18n } from "../../hooks/useI18n";

type Values = Record<string, unknown>;

/** A value as the editor shows it: an expression (`=…`) or a literal, as text. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The text typed, as the definition stores it: an expression stays text
 * starting with `=`; a literal of a number or yes/no field becomes a number or
 * a boolean when it reads as one, else it stays the text typed.
 */
export function parsedValue(field: FieldDef | undefined, text: string): unknown {
  if (text.startsWith("=") || !field) return text;
  if (field.type === "boolean" && (text === "true" || text === "false")) return text === "true";
  if ((field.type === "number" || field.type === "currency" || field.type === "percent") && text.trim() !== "") {
    const number = Number(text);
    if (!Number.isNaN(number)) return number;
  }
  return text;
}

/**
 * Field → value pairs an effect writes (`set_fields`, `create_record`,
 * `update_records`): a select of the entity's writable fields, and for each a
 * literal (a select field offers its options) or an expression starting with `=`.
 */
export function ValuesEditor({
  id,
  entity,
  value,
  onChange,
  testId,
}: {
  id: string;
  entity: EntityDef | undefined;
  value: Values;
  onChange: (next: Values | undefined) => void;
  testId: string;
}) {
  const { t, label } = useI18n();
  const entries = Object.entries(value);
  const writable = (entity?.fields ?? []).filter((field) => !isReadOnly(field));
  const write = (next: [string, unknown][]) => onChange(next.length ? Object.fromEntries(next) : undefined);
  const unused = writable.filter((field) => !(field.key in value));
  return (
    <Flex vertical gap="small" id={id} data-testid={testId}>
      {entries.map(([key, item], index) => {
        const field = entity?.fields.find((candidate) => candidate.key === key);
        return (
          <Flex key={key} gap="small" align="center" data-testid={`${testId}-${key}`}>
            <Select
              className="fw-values-field"
              showSearch={{ optionFilterProp: "label" }}
              aria-label={t("field")}
              value={key}
              options={[field ?? { key, type: "" }, ...unused].map((candidate) => ({
                value: candidate.key,
                label: label(candidate.label, candidate.key),
              }))}
              onChange={(nextKey: string) =>
                write(entries.map((entry, at) => (at === index ? [nextKey, entry[1]] : entry)))
              }
            />
            <AutoComplete
              className="fw-values-value"
              aria-label={t("valueOrExpression")}
              placeholder={t("valueOrExpression")}
              value={shown(item)}
              options={(field?.options ?? []).map((option) => ({
                value: option.value,
                label: `${label(option.label, option.value)} (${option.value})`,
              }))}
              onChange={(text: string) =>
                write(entries.map((entry, at) => (at === index ? [entry[0], parsedValue(field, text)] : entry)))
              }
            />
            <Button
              icon={<DeleteOutlined />}
              aria-label={t("remove")}
              onClick={() => write(entries.filter((_, at) => at !== index))}
            />
          </Flex>
        );
      })}
      <Flex gap="small" align="center">
        <Select
          className="fw-values-field"
          showSearch={{ optionFilterProp: "label" }}
          placeholder={
            <>
              <PlusOutlined /> {t("addField")}
            </>
          }
          data-testid={`${testId}-add`}
          value={null}
          options={unused.map((field) => ({ value: field.key, label: label(field.label, field.key) }))}
          onChange={(key: string) => write([...entries, [key, ""]])}
        />
        <Typography.Text type="secondary">{t("expressionHint")}</Typography.Text>
      </Flex>
    </Flex>
  );
}
