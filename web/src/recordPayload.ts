/** Between the record form and the API: what a save sends, and where server errors go. */
import type { FieldDef, FieldError, RecordData } from "./api/types";
import { isEditable, wireValue } from "./fields/registry";
import type { LabelOf, Translate } from "./i18n";

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Whether the form sends a field now: editable, writable for the user, visible and not read-only. */
export type Sends = (field: FieldDef) => boolean;

/**
 * The body of a create (every field sent that the user filled) or of an update
 * (the fields sent that changed, plus the version the edit started from).
 * A field hidden by `visible_when` is not sent: on create it stays blank (or
 * takes its default), on update it keeps its stored value.
 */
export function buildPayload(
  fields: FieldDef[],
  values: Record<string, unknown>,
  sends: Sends,
  record?: RecordData,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (!isEditable(field) || !sends(field)) continue;
    const value = values[field.key];
    if (record ? sameValue(value, record[field.key]) : value === undefined) continue;
    body[field.key] = wireValue(field, value ?? null);
  }
  if (record) body.version = record.version;
  return body;
}

/**
 * What the live preview is asked about: every field a save would send, as it
 * stands (changed or not), so that the answer is what the save would do.
 */
export function previewBody(
  fields: FieldDef[],
  values: Record<string, unknown>,
  sends: Sends,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (isEditable(field) && sends(field) && value !== undefined) body[field.key] = wireValue(field, value);
  }
  return body;
}

export interface PlacedErrors {
  /** Messages per top-level field key shown on the form. */
  byField: Map<string, string[]>;
  /** Messages for no field, or for a field the form does not show. */
  general: string[];
}

const ROW_PATH = /^(?:\[(\d+)\]|\.(\d+))(?:\.(.+))?$/;

/** `[1].product` under a sub-table → "Row 2 · Product: message". */
function nestedText(field: FieldDef, path: string, message: string, label: LabelOf, t: Translate): string {
  const match = ROW_PATH.exec(path);
  if (!match) return `${path.replace(/^\./, "")}: ${message}`;
  const row = t("rowN", { n: Number(match[1] ?? match[2]) + 1 });
  const subKey = match[3];
  if (!subKey) return `${row}: ${message}`;
  const sub = field.fields?.find((candidate) => candidate.key === subKey);
  return `${row} · ${label(sub?.label, subKey)}: ${message}`;
}

/**
 * Assigns problem `errors[]` to the form's fields. A nested path such as
 * `lines[0].qty` or `lines.0.qty` lands on `lines`, its text naming row and column.
 */
export function placeErrors(errors: FieldError[], fields: FieldDef[], label: LabelOf, t: Translate): PlacedErrors {
  const byKey = new Map(fields.map((field) => [field.key, field]));
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  for (const { field: path, message } of errors) {
    const top = path?.split(/[.[]/, 1)[0];
    const field = top ? byKey.get(top) : undefined;
    if (!path || !field) {
      general.push(path ? `${path}: ${message}` : message);
      continue;
    }
    const text = path === field.key ? message : nestedText(field, path.slice(field.key.length), message, label, t);
    byField.set(field.key, [...(byField.get(field.key) ?? []), text]);
  }
  return { byField, general };
}
