/**
 * Field type → renderer. Which types are computed (never edited, never sent)
 * comes from the server's catalogue (`isReadOnly`), not from this table;
 * types the UI does not know are shown read-only as JSON, so a newer
 * definition never breaks an older UI.
 */
import type { ReactNode } from "react";
import type { FieldDef } from "../api/types";
import { isReadOnly, lookupTarget } from "../definition";
import { behavesAs } from "../format";
import { address } from "./address";
import { attachment, image } from "./attachment";
import { boolean } from "./boolean";
import { date, datetime, time } from "./date";
import { department } from "./department";
import { link, links } from "./link";
import { location } from "./location";
import { currency, number, percent } from "./number";
import { rating } from "./rating";
import { richtext } from "./richtext";
import { cascade, multiselect, select, tags } from "./select";
import { signature } from "./signature";
import { subtable } from "./subtable";
import { text, textarea, url } from "./text";
import type { DisplayContext, FieldRenderer } from "./types";
import { user, users } from "./user";
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
  id_number: text,
  textarea,
  richtext,
  number,
  currency,
  percent,
  rating,
  date,
  datetime,
  time,
  boolean,
  select,
  multiselect,
  cascade,
  tags,
  user,
  users,
  department,
  link,
  links,
  address,
  location,
  subtable,
  attachment,
  image,
  signature,
};

/**
 * A formula's or roll-up's value is shown in the format of the type it behaves as
 * (`behavesAs`: a formula's result type, a sum of amounts as an amount, a count as a whole number).
 */
const formula: FieldRenderer = {
  display: (value, field, ctx) => {
    const shownAs = behavesAs(field, ctx.definition);
    const resultRenderer = shownAs.type !== field.type ? RENDERERS[shownAs.type] : undefined;
    if (resultRenderer) return resultRenderer.display(value, shownAs, ctx);
    return typeof value === "number" ? formatNumber(value) : displayJson(value);
  },
};

/** A lookup shows the linked record's field as that field shows itself. */
const lookup: FieldRenderer = {
  display: (value, field, ctx) => {
    const target = lookupTarget(ctx.definition, field);
    const targetRenderer = target ? rendererFor(target) : undefined;
    if (!target || !targetRenderer) return displayJson(value);
    return targetRenderer.display(value, target, { ...ctx, title: undefined });
  },
};

RENDERERS.formula = formula;
RENDERERS.rollup = formula;
RENDERERS.lookup = lookup;
RENDERERS.autonumber = { display: displayJson };

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

/** The value in a table cell: the type's one-line summary when it has one. */
export function cellValue(field: FieldDef, value: unknown, ctx: DisplayContext): ReactNode {
  if (isEmpty(value)) return "";
  const renderer = rendererFor(field);
  return (renderer.summary ?? renderer.display)(value, field, ctx);
}

/** The request value of an editable field. */
export function wireValue(field: FieldDef, value: unknown): unknown {
  const toWire = rendererFor(field).toWire;
  return toWire ? toWire(value, field) : value;
}
