/**
 * A list's filters and sort as its URL holds them (hooks/useListParams.ts):
 * `filter` is the filter builder's filter and `column_filters` the column
 * headers' conditions, both in the records filter language (docs/filters.md),
 * so a link says exactly what the API is asked. A link may come from anywhere
 * (typed by hand, shared by someone with other rights, older than the app's
 * last change), so what is read is checked against the entity first: a part
 * that does not fit is dropped whole, and the page says so, rather than fail.
 */
import type { EntityDef, FieldDef } from "../api/types";
import { SYSTEM_KEYS } from "../definition";
import type { FilterCatalogue } from "./api";
import { emptyGroup, filterKind, fromFilter, isGroup, toFilter, type Condition, type Group } from "./filters";

/** Groups nest at most this deep (docs/filters.md). */
const MAX_DEPTH = 5;
const CONDITION_KEYS = new Set(["field", "op", "value"]);

/** What a filter of the URL may name: fields the reader sees, operators of their kind. */
export interface FilterScope {
  entity: EntityDef;
  /** Absent while the filter catalogue loads, or when it could not: operators are then left to the server. */
  catalogue?: FilterCatalogue;
  hidden: (field: string) => boolean;
}

function fieldOf(scope: FilterScope, key: string): FieldDef | undefined {
  return scope.entity.fields.find((field) => field.key === key);
}

/** Whether `field` may be filtered with `op`: a field of the entity, a system field, or one hop through a link. */
function conditionFits(scope: FilterScope, field: string, op: string): boolean {
  const [head, ...rest] = field.split(".");
  const { catalogue } = scope;
  if (rest.length > 1 || scope.hidden(head)) return false;
  const own = fieldOf(scope, head);
  if (rest.length) {
    // The linked entity's field is the server's to check: the answer is a refusal, handled by the page.
    return own?.type === "link" && (!catalogue || catalogue.operators.some((known) => known.op === op));
  }
  if (!catalogue) return Boolean(own);
  const kind = own ? filterKind(catalogue, own) : catalogue.system_fields[head];
  return kind !== undefined && (catalogue.kinds[kind] ?? []).includes(op);
}

function fits(scope: FilterScope, node: unknown, depth: number): boolean {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return false;
  const entries = Object.entries(node as Record<string, unknown>);
  const group = entries.length === 1 && (entries[0][0] === "and" || entries[0][0] === "or");
  if (group) {
    const items = entries[0][1];
    return depth < MAX_DEPTH && Array.isArray(items) && items.length > 0 && items.every((item) => fits(scope, item, depth + 1));
  }
  const { field, op } = node as Record<string, unknown>;
  return (
    entries.every(([key]) => CONDITION_KEYS.has(key)) &&
    typeof field === "string" &&
    typeof op === "string" &&
    conditionFits(scope, field, op)
  );
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The builder's filter of the URL: the filter as sent, its tree; `invalid` when it had to be dropped. */
export function readFilter(scope: FilterScope, text: string | undefined): { filter?: unknown; tree: Group; invalid: boolean } {
  if (text === undefined) return { tree: emptyGroup(), invalid: false };
  const filter = parse(text);
  if (!fits(scope, filter, 0)) return { tree: emptyGroup(), invalid: true };
  return { filter, tree: fromFilter(filter), invalid: false };
}

/** The column filters of the URL, one condition per column of the entity; `invalid` when dropped. */
export function readColumnFilters(
  scope: FilterScope,
  text: string | undefined,
): { filters: unknown[]; columns: Record<string, Condition>; invalid: boolean } {
  const none = { filters: [], columns: {} };
  if (text === undefined) return { ...none, invalid: false };
  const list = parse(text);
  const own = (item: unknown) => !String((item as Record<string, unknown>).field).includes(".");
  if (!Array.isArray(list) || !list.length || !list.every((item) => fits(scope, item, MAX_DEPTH - 1) && own(item))) {
    return { ...none, invalid: true };
  }
  const columns: Record<string, Condition> = {};
  for (const item of fromFilter({ and: list }).items) if (!isGroup(item)) columns[item.field] = item;
  if (Object.keys(columns).length !== list.length) return { ...none, invalid: true };
  return { filters: list, columns, invalid: false };
}

/** Whether each key of a sort (`-amount,name`) is a field of the entity or a system field the reader sees. */
export function sortFits(scope: FilterScope, sort: string | undefined): boolean {
  if (sort === undefined) return true;
  return sort.split(",").every((part) => {
    const [head, ...rest] = part.replace(/^-/, "").split(".");
    if (!head || rest.length > 1 || scope.hidden(head)) return false;
    const own = fieldOf(scope, head);
    if (rest.length) return own?.type === "link";
    return Boolean(own) || (SYSTEM_KEYS.has(head) && !head.startsWith("_"));
  });
}

/** The URL text of the builder's tree; undefined: no filter. */
export function treeText(tree: Group, kindOf: (field: string) => string | undefined): string | undefined {
  const filter = toFilter(tree, {}, kindOf);
  return filter === undefined ? undefined : JSON.stringify(filter);
}

/** The URL text of the column filters; undefined: none. */
export function columnFiltersText(
  columns: Record<string, Condition>,
  kindOf: (field: string) => string | undefined,
): string | undefined {
  const list = Object.entries(columns).flatMap(([key, condition]) => {
    const filter = toFilter(emptyGroup(), { [key]: condition }, kindOf);
    return filter === undefined ? [] : [filter];
  });
  return list.length ? JSON.stringify(list) : undefined;
}

/** All the parts ANDed, as the API's `filter` parameter; undefined: no filter. */
export function combinedFilter(parts: unknown[]): unknown {
  const present = parts.filter((part) => part !== undefined && part !== null);
  if (!present.length) return undefined;
  return present.length === 1 ? present[0] : { and: present };
}
