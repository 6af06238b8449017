import { InputNumber } from "antd";
import type { FieldDef } from "../api/types";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber, formatNumber } from "./values";

const CURRENCY_SYMBOLS: Record<string, string> = { CNY: "¥", JPY: "¥", USD: "$", EUR: "€", GBP: "£", HKD: "HK$" };

function currencyPrefix(field: FieldDef): string {
  const code = field.currency ?? "CNY";
  return CURRENCY_SYMBOLS[code] ?? code;
}

function currencyPrecision(field: FieldDef): number {
  return field.precision ?? 2;
}

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

/** Digits a percent keeps when shown as 15 rather than 0.15. */
function percentPrecision(field: FieldDef): number {
  return field.precision ?? 2;
}

/** 0.15 → 15, without binary noise such as 28.999999999999996. */
function toPercent(fraction: number, field: FieldDef): number {
  return Number((fraction * 100).toFixed(percentPrecision(field)));
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
    return n === null ? "" : `${currencyPrefix(field)}${formatNumber(n, currencyPrecision(field))}`;
  },
};

export const percent: FieldRenderer = {
  Input: PercentInput,
  display: (value, field) => {
    const n = asNumber(value);
    return n === null ? "" : `${formatNumber(toPercent(n, field))}%`;
  },
};
