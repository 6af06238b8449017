import { Rate } from "antd";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber } from "./values";

const DEFAULT_STARS = 5;

function RatingInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <Rate
      id={id}
      {...aria}
      disabled={disabled}
      count={field.max ?? DEFAULT_STARS}
      value={asNumber(value) ?? 0}
      // Clicking the chosen star again clears it (0), which the wire spells null.
      onChange={(stars) => onChange?.(stars || null)}
    />
  );
}

export const rating: FieldRenderer = {
  Input: RatingInput,
  display: (value, field) => (
    <Rate disabled className="fw-rate-shown" count={field.max ?? DEFAULT_STARS} value={asNumber(value) ?? 0} />
  ),
};
