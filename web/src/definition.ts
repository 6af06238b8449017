/** Questions the UI asks of an app definition. */
import type { AppDefinition, EntityDef, FieldDef, Label, ViewDef } from "./api/types";
import { isSortableType, isWritableType } from "./catalog";

/** Columns every record carries besides its fields. */
export const SYSTEM_KEYS = new Set([
  "id",
  "version",
  "created_at",
  "created_by",
  "updated_at",
  "updated_by",
  "_display",
]);

const DEFAULT_COLUMN_COUNT = 8;

/** Values the server computes (per the field-type catalogue) and system columns: shown, never sent. */
export function isReadOnly(field: FieldDef): boolean {
  return !isWritableType(field.type) || SYSTEM_KEYS.has(field.key);
}

/** Whether a list can be ordered by the field, per the field-type catalogue. */
export function isSortable(field: FieldDef): boolean {
  return isSortableType(field.type);
}

export function findEntity(definition: AppDefinition, key: string): EntityDef | undefined {
  return definition.entities.find((entity) => entity.key === key);
}

function fieldsByKeys(entity: EntityDef, keys: string[]): FieldDef[] {
  return keys.flatMap((key) => entity.fields.find((field) => field.key === key) ?? []);
}

/** Whether a kanban view can be drawn: it groups by a select field with options. */
function isBoard(entity: EntityDef, view: ViewDef): boolean {
  const field = view.group_by ? entity.fields.find((candidate) => candidate.key === view.group_by) : undefined;
  return field?.type === "select" && !!field.options?.length;
}

/** The views the entity's page offers, in the definition's order: tables, and kanban boards it can draw. */
export function entityViews(definition: AppDefinition, entity: EntityDef): ViewDef[] {
  return (definition.views ?? []).filter(
    (view) => view.entity === entity.key && (view.type === "table" || (view.type === "kanban" && isBoard(entity, view))),
  );
}

/** Columns of a table: the view's, else the entity's first fields. */
export function listColumns(entity: EntityDef, view?: ViewDef): FieldDef[] {
  if (view?.columns?.length) return fieldsByKeys(entity, view.columns);
  return entity.fields.filter((field) => field.type !== "subtable").slice(0, DEFAULT_COLUMN_COUNT);
}

/** A kanban view's parts: the select field it groups by and the fields its cards show. */
export function boardFields(entity: EntityDef, view: ViewDef): { groupBy?: FieldDef; cardFields: FieldDef[] } {
  return {
    groupBy: entity.fields.find((field) => field.key === view.group_by),
    cardFields: fieldsByKeys(entity, view.card_fields ?? []),
  };
}

export interface Section {
  title?: Label;
  columns: number;
  fields: FieldDef[];
}

/** Columns of the one section of an entity without a form layout. */
const DEFAULT_FORM_COLUMNS = 2;

/** Sections of the entity's form layout, or all fields in one section. */
export function formSections(definition: AppDefinition, entity: EntityDef): Section[] {
  const form = definition.forms?.find((candidate) => candidate.entity === entity.key);
  if (!form) return [{ columns: DEFAULT_FORM_COLUMNS, fields: entity.fields }];
  return form.layout.map((section) => ({
    title: section.section,
    columns: Math.max(1, section.columns ?? 1),
    fields: fieldsByKeys(entity, section.fields),
  }));
}

/** The field whose value names a record of `entityKey`, if the definition says. */
export function titleField(definition: AppDefinition, entityKey: string): string | undefined {
  return findEntity(definition, entityKey)?.title_field;
}

/**
 * Values a new record starts with: literal defaults. Expression defaults
 * (`=CURRENT_USER()`) are left to the server, which fills what is not sent.
 */
export function literalDefaults(fields: FieldDef[]): Record<string, unknown> {
  return Object.fromEntries(
    fields.flatMap((field) => {
      const value = field.default;
      const expression = typeof value === "string" && value.startsWith("=");
      return value === undefined || expression || isReadOnly(field) ? [] : [[field.key, value]];
    }),
  );
}

/** The entity a field belongs to (fields are the definition's own objects). */
export function entityOfField(definition: AppDefinition, field: FieldDef): EntityDef | undefined {
  return definition.entities.find((entity) => entity.fields.includes(field));
}

/** The field of the linked entity a lookup shows, so its value is displayed in that field's format. */
export function lookupTarget(definition: AppDefinition, field: FieldDef): FieldDef | undefined {
  const link = entityOfField(definition, field)?.fields.find((candidate) => candidate.key === field.link);
  const target = link?.target ? findEntity(definition, link.target) : undefined;
  return target?.fields.find((candidate) => candidate.key === field.field);
}
