/**
 * Field type → renderer. Types the UI does not know are shown read-only as
 * JSON, so a newer definition never breaks an older UI.
 */
import type { ReactNode } from "react";
import type { FieldDef } from "../api/types";
import { isReadOnly } from "../definition";
import { address } from "./address";
import { attachment } from "./attachment";
import { boolean } from "./boolean";
import { date, datetime } from "./date";
import { link } from "./link";
import { currency, number, percent } from "./number";
import { multiselect, select } from "./select";
import { subtable } from "./subtable";
import { text, textarea, url } from "./text";
import type { DisplayContext, FieldRenderer } from "./types";
import { user } from "./user";
import { formatNumber, isEmpty } from "./values";

function displayJson(value: unknown): ReactNode {
  return typeof value === "string" ? value : <code>{JSON.stringify(value)}</code>;
}

const unknownType: FieldRenderer = { display: displayJson };

const RENDERERS: Record<string, FieldRenderer> = {
  text,
  email: text,
  phone: text,
  url,
  textarea,
  number,
  currency,
  percent,
  date,
  datetime,
  boolean,
  select,
  multiselect,
  user,
  link,
  address,
  subtable,
  attachment,
};

/** Server-computed values are shown in the format of their result type, when the definition names one. */
const computed: FieldRenderer = {
  display: (value, field, ctx) => {
    const resultRenderer = field.result_type ? RENDERERS[field.result_type] : undefined;
    if (resultRenderer) return resultRenderer.display(value, { ...field, type: field.result_type ?? field.type }, ctx);
    return typeof value === "number" ? formatNumber(value) : displayJson(value);
  },
};

for (const type of ["autonumber", "formula", "rollup", "lookup"]) RENDERERS[type] = computed;

export function rendererFor(field: FieldDef): FieldRenderer {
  return RENDERERS[field.type] ?? unknownType;
}

/** Whether the user edits this field and the form sends it. */
export function isEditable(field: FieldDef): boolean {
  return !isReadOnly(field) && rendererFor(field).Input !== undefined;
}

export function displayValue(field: FieldDef, value: unknown, ctx: DisplayContext): ReactNode {
  return isEmpty(value) ? "" : rendererFor(field).display(value, field, ctx);
}

/** The request value of an editable field. */
export function wireValue(field: FieldDef, value: unknown): unknown {
  const toWire = rendererFor(field).toWire;
  return toWire ? toWire(value, field) : value;
}
