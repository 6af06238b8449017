import { useI18n } from "../hooks/useI18n";
import { useFieldEnvironment } from "./context";
import { displayValue, isEditable, rendererFor } from "./registry";
import type { FieldInputProps } from "./types";
import { isEmpty } from "./values";

/** The input of an editable field, else its value shown read-only. */
export function FieldInput(props: FieldInputProps) {
  const { field, value, id } = props;
  const { t, label } = useI18n();
  const { display } = useFieldEnvironment();
  const Input = rendererFor(field).Input;
  if (Input && isEditable(field)) return <Input {...props} />;
  return (
    <span
      id={id}
      aria-describedby={props["aria-describedby"]}
      className="fw-readonly"
      data-testid={`readonly-${field.key}`}
    >
      {isEmpty(value) ? "—" : displayValue(field, value, { t, label, title: display[field.key] })}
    </span>
  );
}
