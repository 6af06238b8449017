import { Switch } from "antd";
import type { FieldInputProps, FieldRenderer } from "./types";

function BooleanInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <Switch
      id={id}
      {...aria}
      disabled={disabled}
      checked={value === true}
      onChange={(checked) => onChange?.(checked)}
    />
  );
}

export const boolean: FieldRenderer = {
  Input: BooleanInput,
  display: (value, _field, { t }) => (value === true ? t("yes") : value === false ? t("no") : ""),
};
