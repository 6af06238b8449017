import { DatePicker } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asString } from "./values";

const DATE_WIRE = "YYYY-MM-DD";
const DATETIME_SHOWN = "YYYY-MM-DD HH:mm";

function parse(value: unknown): Dayjs | null {
  const text = asString(value);
  if (!text) return null;
  const parsed = dayjs(text);
  return parsed.isValid() ? parsed : null;
}

function DateInput({ value, onChange, id, ...aria }: FieldInputProps) {
  return (
    <DatePicker
      id={id}
      {...aria}
      style={{ width: "100%" }}
      value={parse(value)}
      onChange={(next: Dayjs | null) => onChange?.(next ? next.format(DATE_WIRE) : null)}
    />
  );
}

function DateTimeInput({ value, onChange, id, ...aria }: FieldInputProps) {
  return (
    <DatePicker
      id={id}
      {...aria}
      style={{ width: "100%" }}
      showTime={{ format: "HH:mm" }}
      format={DATETIME_SHOWN}
      value={parse(value)}
      // dayjs' default format() is ISO 8601 with the local offset: 2024-05-01T09:30:00+08:00
      onChange={(next: Dayjs | null) => onChange?.(next ? next.format() : null)}
    />
  );
}

export const date: FieldRenderer = {
  Input: DateInput,
  display: (value) => parse(value)?.format(DATE_WIRE) ?? "",
};

export const datetime: FieldRenderer = {
  Input: DateTimeInput,
  display: (value) => parse(value)?.format(DATETIME_SHOWN) ?? "",
};
