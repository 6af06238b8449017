/** Narrowing of JSON values whose shape the field type promises but the wire does not. */
import type { DisplayTitle } from "../api/types";

export type Row = Record<string, unknown>;

export function isRow(value: unknown): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

export function asNumber(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRows(value: unknown): Row[] {
  return asArray(value).filter(isRow);
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

/** Numbers are formatted in one place (`../format`); re-exported for the inputs that import it here. */
export { formatNumber } from "../format";

/** The reference titles of a JSON object such as a record's or a row's `_display`. */
export function asDisplayMap(value: unknown): Record<string, DisplayTitle> {
  if (!isRow(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, DisplayTitle] => typeof entry[1] === "string" || Array.isArray(entry[1]),
    ),
  );
}

/** The title of one reference (`_display` of a link, user or department). */
export function singleTitle(title: DisplayTitle | undefined): string | undefined {
  return typeof title === "string" ? title : undefined;
}

/** The titles of a list of references, by position (`_display` of links or users). */
export function titleList(title: DisplayTitle | undefined): (string | null)[] {
  return Array.isArray(title) ? title : [];
}

/** Integer ids of a list value (links, users). */
export function asIds(value: unknown): number[] {
  return asArray(value).flatMap((item) => {
    const id = asNumber(item);
    return id === null ? [] : [id];
  });
}
