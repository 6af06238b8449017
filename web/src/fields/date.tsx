import { DatePicker, TimePicker } from "antd";
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

function DateInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <DatePicker
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      value={parse(value)}
      onChange={(next: Dayjs | null) => onChange?.(next ? next.format(DATE_WIRE) : null)}
    />
  );
}

function DateTimeInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <DatePicker
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      showTime={{ format: "HH:mm" }}
      format={DATETIME_SHOWN}
      value={parse(value)}
      // dayjs' default format() is ISO 8601 with the local offset: 2024-05-01T09:30:00+08:00
      onChange={(next: Dayjs | null) => onChange?.(next ? next.format() : null)}
    />
  );
}

const TIME_WIRE = "HH:mm:ss";
const TIME_SHOWN = "HH:mm";

/** "09:30" or "09:30:15" as a dayjs on an arbitrary day (only the time is used). */
function parseTime(value: unknown): Dayjs | null {
  const text = asString(value);
  if (!text || !/^\d{2}:\d{2}(:\d{2})?$/.test(text)) return null;
  const parsed = dayjs(`2000-01-01T${text}`);
  return parsed.isValid() ? parsed : null;
}

function TimeInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <TimePicker
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      format={TIME_SHOWN}
      value={parseTime(value)}
      onChange={(next: Dayjs | null) => onChange?.(next ? next.format(TIME_WIRE) : null)}
    />
  );
}

export const time: FieldRenderer = {
  Input: TimeInput,
  display: (value) => parseTime(value)?.format(TIME_SHOWN) ?? "",
};

export const date: FieldRenderer = {
  Input: DateInput,
  display: (value) => parse(value)?.format(DATE_WIRE) ?? "",
};

export const datetime: FieldRenderer = {
  Input: DateTimeInput,
  display: (value) => parse(value)?.format(DATETIME_SHOWN) ?? "",
};
