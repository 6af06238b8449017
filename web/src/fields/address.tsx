import { Input, Space } from "antd";
import { useI18n } from "../hooks/useI18n";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asString, isRow } from "./values";

const PARTS = ["province", "city", "district", "detail"] as const;
type Part = (typeof PARTS)[number];
type Address = Partial<Record<Part, string>>;

function toAddress(value: unknown): Address {
  if (!isRow(value)) return {};
  const address: Address = {};
  for (const part of PARTS) {
    const text = asString(value[part]);
    if (text) address[part] = text;
  }
  return address;
}

function AddressInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { t } = useI18n();
  const address = toAddress(value);
  const update = (part: Part, text: string) => {
    const next: Address = { ...address, [part]: text || undefined };
    const filled = PARTS.some((key) => next[key]);
    onChange?.(filled ? Object.fromEntries(PARTS.flatMap((key) => (next[key] ? [[key, next[key]]] : []))) : null);
  };
  // The first part takes the field's id and state, so the field label and its errors point at it.
  const input = (part: Part, first = false) => (
    <Input
      {...(first ? { id, ...aria } : {})}
      aria-label={t(part)}
      placeholder={t(part)}
      disabled={disabled}
      value={address[part] ?? ""}
      onChange={(event) => update(part, event.target.value)}
    />
  );
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space.Compact block>
        {input("province", true)}
        {input("city")}
        {input("district")}
      </Space.Compact>
      {input("detail")}
    </Space>
  );
}

export const address: FieldRenderer = {
  Input: AddressInput,
  display: (value) => {
    const parts = toAddress(value);
    return PARTS.flatMap((part) => parts[part] ?? []).join(" ");
  },
};
