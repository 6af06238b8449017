import { Input } from "antd";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asString } from "./values";

/** Keyboard hints only: type="email" would let the browser's own validation pre-empt the server's. */
const INPUT_MODES: Record<string, "email" | "tel" | "url"> = { email: "email", phone: "tel", url: "url" };

/** Lengths fixed by the type itself rather than by an option. */
const TYPE_MAX_LENGTH: Record<string, number> = { id_number: 18, url: 2048, email: 254, phone: 32 };

function TextInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  // An ID card's check digit X is read back upper-case anyway: typing it so avoids a surprise.
  const normalise = field.type === "id_number" ? (text: string) => text.toUpperCase() : (text: string) => text;
  return (
    <Input
      id={id}
      {...aria}
      disabled={disabled}
      inputMode={INPUT_MODES[field.type]}
      maxLength={field.max_length ?? TYPE_MAX_LENGTH[field.type]}
      value={asString(value) ?? ""}
      onChange={(event) => onChange?.(normalise(event.target.value) || null)}
    />
  );
}

function TextAreaInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <Input.TextArea
      id={id}
      {...aria}
      disabled={disabled}
      maxLength={field.max_length}
      autoSize={{ minRows: 2, maxRows: 8 }}
      value={asString(value) ?? ""}
      onChange={(event) => onChange?.(event.target.value || null)}
    />
  );
}

const displayText = (value: unknown) => asString(value) ?? "";

export const text: FieldRenderer = { Input: TextInput, display: displayText };
export const textarea: FieldRenderer = {
  Input: TextAreaInput,
  display: (value) => <span className="fw-multiline">{displayText(value)}</span>,
};

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
