/**
 * The list's filter as the user builds it, and its translation into the
 * records filter language (docs/filters.md): a root group (all / any) of
 * conditions and sub-groups, plus one condition per filtered column, ANDed.
 * Which operators a field offers comes from the server's catalogue (the
 * field type's filter kind), never from a list kept here.
 */
import type { FieldDef } from "../api/types";
import type { FilterCatalogue } from "./api";

export interface Condition {
  field: string;
  op: string;
  /** As typed: lists (in, not_in) and ranges (between) are split when sent. */
  value: string;
}

export interface Group {
  match: "and" | "or";
  items: (Condition | Group)[];
}

export const emptyGroup = (): Group => ({ match: "and", items: [] });

export function isGroup(item: Condition | Group): item is Group {
  return "items" in item;
}

/** The filter kind of a field (text, number, choice…), or undefined when it cannot be filtered. */
export function filterKind(catalogue: FilterCatalogue, field: FieldDef): string | undefined {
  const system = catalogue.system_fields[field.key];
  if (system) return system;
  let kind: string | undefined = catalogue.field_types[field.type];
  if (kind && !(kind in catalogue.kinds)) {
    // Formulas, lookups, roll-ups: the kind of the type they result in.
    kind = field.result_type ? catalogue.field_types[field.result_type] : undefined;
  }
  return kind && kind in catalogue.kinds ? kind : undefined;
}

export function operatorsOf(catalogue: FilterCatalogue, field: FieldDef): string[] {
  const kind = filterKind(catalogue, field);
  return kind ? catalogue.kinds[kind] : [];
}

const NUMERIC_KINDS = new Set(["number", "record_id", "reference"]);

function typed(kind: string | undefined, text: string): unknown {
  const trimmed = text.trim();
  if (kind === "boolean") return trimmed === "true";
  if (kind && NUMERIC_KINDS.has(kind) && trimmed !== "" && !Number.isNaN(Number(trimmed))) return Number(trimmed);
  return trimmed;
}

function conditionJson(condition: Condition, kindOf: (field: string) => string | undefined): unknown {
  const kind = kindOf(condition.field);
  const { field, op, value } = condition;
  if (op === "is_empty") return { field, op, value: value !== "false" };
  if (op === "in" || op === "not_in" || (op === "contains" && value.includes(","))) {
    const list = value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => typed(kind, part));
    return { field, op, value: list };
  }
  if (op === "between") {
    const [low = "", high = ""] = value.split(",");
    return { field, op, value: [typed(kind, low), typed(kind, high)] };
  }
  return { field, op, value: typed(kind, value) };
}

/** Whether a condition is complete enough to send. */
export function isComplete(condition: Condition): boolean {
  return Boolean(condition.field && condition.op && (condition.op === "is_empty" || condition.value.trim()));
}

/** How many complete conditions the tree holds, nested groups included. */
export function countConditions(group: Group): number {
  return group.items.reduce((n, item) => n + (isGroup(item) ? countConditions(item) : isComplete(item) ? 1 : 0), 0);
}

function groupJson(group: Group, kindOf: (field: string) => string | undefined): unknown {
  const items = group.items
    .map((item) => (isGroup(item) ? groupJson(item, kindOf) : isComplete(item) ? conditionJson(item, kindOf) : undefined))
    .filter((item) => item !== undefined);
  if (!items.length) return undefined;
  return items.length === 1 ? items[0] : { [group.match]: items };
}

/** The filter language of the builder's tree and the column filters; undefined: no filter. */
export function toFilter(
  tree: Group,
  columns: Record<string, Condition>,
  kindOf: (field: string) => string | undefined,
): unknown {
  const parts = [groupJson(tree, kindOf), ...Object.values(columns).map((c) => (isComplete(c) ? conditionJson(c, kindOf) : undefined))].filter(
    (part) => part !== undefined,
  );
  if (!parts.length) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}

/** The builder's tree of a saved filter (the inverse of `toFilter`, best effort for trees it wrote). */
export function fromFilter(filter: unknown): Group {
  const node = filter as Record<string, unknown> | null | undefined;
  if (!node || typeof node !== "object") return emptyGroup();
  const asItem = (raw: unknown): Condition | Group => {
    const item = raw as Record<string, unknown>;
    if (Array.isArray(item.and) || Array.isArray(item.or)) return fromFilter(item);
    const value = item.value;
    const text = Array.isArray(value) ? value.join(",") : value === undefined || value === null ? "" : String(value);
    return { field: String(item.field ?? ""), op: String(item.op ?? "eq"), value: text };
  };
  if (Array.isArray(node.and)) return { match: "and", items: node.and.map(asItem) };
  if (Array.isArray(node.or)) return { match: "or", items: node.or.map(asItem) };
  return { match: "and", items: [asItem(node)] };
}

/** At most 500 values per `in` (docs/filters.md): a filter of these record ids. */
export function idsFilter(ids: number[]): unknown {
  const chunks: unknown[] = [];
  for (let i = 0; i < ids.length; i += 500) chunks.push({ field: "id", op: "in", value: ids.slice(i, i + 500) });
  return chunks.length === 1 ? chunks[0] : { or: chunks };
}
