/**
 * Related lists of a record page, generated from the definition: every `link`
 * field (of any entity of the app) whose target is the page's entity is one
 * list. `entities[].related` (docs/definition-reference.md, `RelatedDef`)
 * only adds to them: `quick_add` offers "new" on the page itself.
 */
import type { AppAccess, AppDefinition, EntityDef, FieldDef, Label, RecordData, ViewDef } from "../api/types";
import { findEntity, listColumns } from "../definition";

/** `entities[].related[]` of the definition. */
export interface RelatedDef {
  entity: string;
  via?: string | null;
  quick_add?: boolean;
  label?: Label | null;
}

/** One related list: records of `entity` whose `via` links to the record. */
export interface RelatedList {
  /** Unique on the page: `entity.via`. */
  key: string;
  entity: EntityDef;
  via: FieldDef;
  /** Another link of the same entity points here too: the list names its field. */
  ambiguous: boolean;
  quickAdd: boolean;
  quickAddLabel?: Label | null;
  canCreate: boolean;
}

const COLUMNS_SHOWN = 4;

function relatedDefs(entity: EntityDef): RelatedDef[] {
  const related = (entity as EntityDef & { related?: RelatedDef[] }).related;
  return Array.isArray(related) ? related : [];
}

/** The lists the reader may see (entities they cannot read are left out); quick-add ones first. */
export function relatedLists(definition: AppDefinition, host: EntityDef, access: AppAccess): RelatedList[] {
  const settings = relatedDefs(host);
  const lists: RelatedList[] = [];
  for (const other of definition.entities) {
    const rights = access.entities[other.key];
    if (!rights?.read) continue;
    const links = other.fields.filter((field) => field.target === host.key && field.type === "link");
    for (const via of links) {
      // A link the reader cannot see cannot be filtered on by them either.
      if (rights.fields?.[via.key] === "hidden") continue;
      const setting = settings.find(
        (candidate) => candidate.entity === other.key && (candidate.via ?? links[0].key) === via.key,
      );
      lists.push({
        key: `${other.key}.${via.key}`,
        entity: other,
        via,
        // Named by its link too when one name could mean two lists, or the entity
        // itself: a customer's "customers" are its subsidiaries ("客户 (上级客户)").
        ambiguous: links.length > 1 || other.key === host.key,
        quickAdd: !!setting?.quick_add && rights.create,
        quickAddLabel: setting?.label,
        canCreate: rights.create,
      });
    }
  }
  const order = (list: RelatedList) => {
    const index = settings.findIndex((setting) => setting.entity === list.entity.key);
    return index === -1 ? settings.length : index;
  };
  return lists.sort((a, b) => order(a) - order(b));
}

/** The columns a related list shows: its entity's first table view's (else its first fields), not the link itself. */
export function relatedColumns(definition: AppDefinition, list: RelatedList): FieldDef[] {
  const view: ViewDef | undefined = (definition.views ?? []).find(
    (candidate) => candidate.entity === list.entity.key && candidate.type === "table",
  );
  const title = list.entity.title_field;
  const columns = listColumns(list.entity, view).filter(
    (field) => field.key !== list.via.key && field.type !== "subtable",
  );
  const first = title ? columns.filter((field) => field.key === title) : [];
  const rest = columns.filter((field) => field.key !== title);
  const titleField = title && !first.length ? list.entity.fields.filter((field) => field.key === title) : first;
  return [...titleField, ...rest].slice(0, COLUMNS_SHOWN);
}

/**
 * The values a new record of the list starts with: the link to the record,
 * and each other link of the new record to an entity the record itself links
 * to exactly once (a follow-up of an opportunity gets the opportunity's
 * customer and contact too). `titles` are what the form shows for them.
 */
export function prelinked(
  definition: AppDefinition,
  list: RelatedList,
  host: EntityDef,
  record: RecordData,
): { values: Record<string, number>; titles: Record<string, string> } {
  const values: Record<string, number> = { [list.via.key]: record.id };
  const hostTitle = host.title_field ? record[host.title_field] : undefined;
  const titles: Record<string, string> = {};
  if (typeof hostTitle === "string" && hostTitle) titles[list.via.key] = hostTitle;
  for (const field of list.entity.fields) {
    if (field.type !== "link" || !field.target || field.key in values || field.target === host.key) continue;
    const sources = host.fields.filter((candidate) => candidate.type === "link" && candidate.target === field.target);
    if (sources.length !== 1) continue;
    const value = record[sources[0].key];
    if (typeof value !== "number") continue;
    values[field.key] = value;
    const title = record._display?.[sources[0].key];
    if (typeof title === "string") titles[field.key] = title;
  }
  // A target entity that is not in the app any more is left to the form.
  for (const key of Object.keys(values)) {
    const target = list.entity.fields.find((field) => field.key === key)?.target;
    if (!target || !findEntity(definition, target)) delete values[key];
  }
  return { values, titles };
}

/** The entity's own list of the related records, filtered to `record` (a related list's "view all"). */
export function relatedListPath(app: string, list: RelatedList, record: RecordData): string {
  const filter = JSON.stringify({ field: list.via.key, op: "eq", value: record.id });
  return `/apps/${encodeURIComponent(app)}/${encodeURIComponent(list.entity.key)}?${new URLSearchParams({ filter }).toString()}`;
}
