/**
 * One format per value type, used wherever a value is shown (lists, cards,
 * kanban sums, record pages, forms): money with its currency sign and two
 * decimals, percents, numbers with separators. Derived values (formulas,
 * roll-ups) take the format of the type they behave as (`behavesAs`).
 */
import type { AppDefinition, FieldDef } from "./api/types";
import { findEntity } from "./definition";

const CURRENCY_SYMBOLS: Record<string, string> = { CNY: "¥", JPY: "¥", USD: "$", EUR: "€", GBP: "£", HKD: "HK$" };

/** Locale-aware number with separators, with a fixed number of decimals when `precision` is set. */
export function formatNumber(value: number, precision?: number): string {
  return value.toLocaleString(undefined, {
    minimumFractionDigits: precision,
    maximumFractionDigits: precision ?? 10,
  });
}

/** The sign a currency field's amounts are shown with (¥ unless the field says otherwise). */
export function currencyPrefix(field: FieldDef): string {
  const code = field.currency ?? "CNY";
  return CURRENCY_SYMBOLS[code] ?? code;
}

/** Decimals of an amount: the field's, else two. */
export function currencyPrecision(field: FieldDef): number {
  return field.precision ?? 2;
}

/** `¥522,090.00`. */
export function formatCurrency(value: number, field: FieldDef): string {
  return `${currencyPrefix(field)}${formatNumber(value, currencyPrecision(field))}`;
}

/** Digits a percent keeps when shown as 15 rather than 0.15. */
export function percentPrecision(field: FieldDef): number {
  return field.precision ?? 2;
}

/** 0.15 → 15, without binary noise such as 28.999999999999996. */
export function toPercent(fraction: number, field: FieldDef): number {
  return Number((fraction * 100).toFixed(percentPrecision(field)));
}

/** A fraction shown as a percent: 0.155 → `15.5%`. */
export function formatPercent(fraction: number, field: FieldDef): string {
  return `${formatNumber(toPercent(fraction, field))}%`;
}

/**
 * The field whose format a derived value is shown in: a formula's result
 * type; a roll-up's aggregated field (a sum of amounts is an amount, a count
 * a whole number); the field itself otherwise.
 */
export function behavesAs(field: FieldDef, definition: AppDefinition, depth = 0): FieldDef {
  if (field.type === "formula") {
    return { ...field, type: field.result_type ?? "number" };
  }
  if (field.type !== "rollup") return field;
  if (field.agg === "count" || !field.field) return { key: field.key, type: "number", precision: 0 };
  const source = findEntity(definition, field.source ?? "")?.fields.find((candidate) => candidate.key === field.field);
  // A roll-up over a roll-up or formula: follow it (a definition cannot loop, the depth is a guard).
  const aggregated = source && depth < 4 ? behavesAs(source, definition, depth + 1) : undefined;
  if (!aggregated || !["number", "currency", "percent"].includes(aggregated.type)) {
    return { key: field.key, type: "number" };
  }
  return { ...aggregated, key: field.key };
}
