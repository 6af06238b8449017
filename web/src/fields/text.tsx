import { Input } from "antd";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asString } from "./values";

/** Keyboard hints only: type="email" would let the browser's own validation pre-empt the server's. */
const INPUT_MODES: Record<string, "email" | "tel" | "url"> = { email: "email", phone: "tel", url: "url" };

function TextInput({ field, value, onChange, id, ...aria }: FieldInputProps) {
  return (
    <Input
      id={id}
      {...aria}
      inputMode={INPUT_MODES[field.type]}
      value={asString(value) ?? ""}
      onChange={(event) => onChange?.(event.target.value || null)}
    />
  );
}

function TextAreaInput({ value, onChange, id, ...aria }: FieldInputProps) {
  return (
    <Input.TextArea
      id={id}
      {...aria}
      autoSize={{ minRows: 2, maxRows: 8 }}
      value={asString(value) ?? ""}
      onChange={(event) => onChange?.(event.target.value || null)}
    />
  );
}

const displayText = (value: unknown) => asString(value) ?? "";

export const text: FieldRenderer = { Input: TextInput, display: displayText };
export const textarea: FieldRenderer = { Input: TextAreaInput, display: displayText };

export const url: FieldRenderer = {
  Input: TextInput,
  display: (value) => {
    const href = asString(value);
    return href && /^https?:\/\//i.test(href) ? (
      <a href={href} target="_blank" rel="noreferrer noopener" onClick={(event) => event.stopPropagation()}>
        {href}
      </a>
    ) : (
      (href ?? "")
    );
  },
};
