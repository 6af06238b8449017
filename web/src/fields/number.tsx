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

function CurrencyInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  return (
    <InputNumber<number>
      id={id}
      {...aria}
      disabled={disabled}
      style={{ width: "100%" }}
      prefix={currencyPrefix(field)}
      precision={currencyPrecision(field)}
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
