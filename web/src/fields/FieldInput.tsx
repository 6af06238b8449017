import { useI18n } from "../hooks/useI18n";
import { useFieldEnvironment } from "./context";
import { usePathState } from "./preview";
import { displayValue, isEditable, rendererFor } from "./registry";
import type { FieldInputProps } from "./types";
import { isEmpty } from "./values";

interface Props extends FieldInputProps {
  /** Where the value sits in the record (`amount`, `lines[0].qty`): the key of its live state. */
  path?: string;
}

/**
 * The input of an editable field (disabled when it is read-only for now), else
 * its value shown as text: the live value the server computed, when there is one.
 */
export function FieldInput({ path, ...props }: Props) {
  const { field, value, id } = props;
  const { t, label } = useI18n();
  const { definition, display } = useFieldEnvironment();
  const live = usePathState(path);
  const Input = rendererFor(field).Input;
  if (Input && isEditable(field)) return <Input {...props} disabled={props.disabled || live.readonly} />;
  const shown = live.computed ? live.value : value;
  return (
    <span
      id={id}
      aria-describedby={props["aria-describedby"]}
      className="fw-readonly"
      data-testid={`readonly-${path ?? field.key}`}
    >
      {isEmpty(shown) ? "—" : displayValue(field, shown, { t, label, definition, title: display[field.key] })}
    </span>
  );
}
