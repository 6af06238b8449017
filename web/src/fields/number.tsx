import { InputNumber } from "antd";
import {
  currencyPrecision,
  currencyPrefix,
  formatCurrency,
  formatNumber,
  formatPercent,
  percentPrecision,
  toPercent,
} from "../format";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber } from "./values";

function NumberInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <InputNumber<number>
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      precision={field.precision}
      min={field.min}
      max={field.max}
      value={asNumber(value)}
      onChange={(next) => onChange?.(next)}
    />
  );
}

/**
 * `1234567.5` → `1,234,567.50`: an amount entered reads as it will be shown. (A formatter
 * replaces the input's own rounding to `precision`, so it rounds here.)
 */
function amountText(value: number | string | undefined, precision: number): string {
  const number = typeof value === "number" ? value : Number(value);
  if (value === undefined || value === "" || !Number.isFinite(number)) return String(value ?? "");
  const [whole, fraction] = number.toFixed(precision).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function CurrencyInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <InputNumber<number>
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      prefix={currencyPrefix(field)}
      precision={currencyPrecision(field)}
      // Separators once the amount is entered, not while typing (the caret would jump); the
      // default parser drops them again.
      formatter={(text, { userTyping, input }) => (userTyping ? input : amountText(text, currencyPrecision(field)))}
      min={field.min}
      max={field.max}
      value={asNumber(value)}
      onChange={(next) => onChange?.(next)}
    />
  );
}

function PercentInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const fraction = asNumber(value);
  return (
    <InputNumber<number>
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      suffix="%"
      min={field.min === undefined ? undefined : field.min * 100}
      max={field.max === undefined ? undefined : field.max * 100}
      value={fraction === null ? null : toPercent(fraction, field)}
      onChange={(next) => onChange?.(next === null ? null : Number((next / 100).toFixed(percentPrecision(field) + 2)))}
    />
  );
}

export const number: FieldRenderer = {
  Input: NumberInput,
  display: (value, field) => {
    const n = asNumber(value);
    return n === null ? "" : formatNumber(n, field.precision);
  },
};

export const currency: FieldRenderer = {
  Input: CurrencyInput,
  display: (value, field) => {
    const n = asNumber(value);
    return n === null ? "" : formatCurrency(n, field);
  },
};

export const percent: FieldRenderer = {
  Input: PercentInput,
  display: (value, field) => {
    const n = asNumber(value);
    return n === null ? "" : formatPercent(n, field);
  },
};
