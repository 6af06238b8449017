/** Between the record form and the API: what a save sends, and where server errors go. */
import type { FieldDef, FieldError, RecordData } from "./api/types";
import { isEditable, wireValue } from "./fields/registry";

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The body of a create (every editable field the user filled) or of an update
 * (the editable fields that changed, plus the version the edit started from).
 */
export function buildPayload(fields: FieldDef[], values: Record<string, unknown>, record?: RecordData): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (!isEditable(field)) continue;
    const value = values[field.key];
    if (record ? sameValue(value, record[field.key]) : value === undefined) continue;
    body[field.key] = wireValue(field, value ?? null);
  }
  if (record) body.version = record.version;
  return body;
}

export interface PlacedErrors {
  /** Messages per top-level field key shown on the form. */
  byField: Map<string, string[]>;
  /** Messages for no field, or for a field the form does not show. */
  general: string[];
}

/**
 * Assigns problem `errors[]` to the form's fields. A nested path such as
 * `lines[0].qty` or `lines.0.qty` lands on `lines`, keeping the path in the text.
 */
export function placeErrors(errors: FieldError[], fieldKeys: Set<string>): PlacedErrors {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  for (const { field, message } of errors) {
    const top = field?.split(/[.[]/, 1)[0];
    if (!field || !top || !fieldKeys.has(top)) {
      general.push(field ? `${field}: ${message}` : message);
      continue;
    }
    const text = field === top ? message : `${field.slice(top.length).replace(/^\./, "")}: ${message}`;
    byField.set(top, [...(byField.get(top) ?? []), text]);
  }
  return { byField, general };
}
