/** Shapes of the Formwork HTTP API as the UI uses them. */

import type { RuleDef } from "./rules";

/** A text in several languages, e.g. `{"zh-CN": "客户", "en": "Customer"}`. */
export type LocalizedText = Record<string, string>;

/** A label may be localised or, in hand-written definitions, a plain string. */
export type Label = LocalizedText | string;

export interface SelectOption {
  value: string;
  label?: Label;
  /** A CSS colour the option is shown in (kanban columns, tags). */
  color?: string;
  /** The next level of a cascade's options tree. */
  children?: SelectOption[];
}

/** One field of an entity (or of a subtable). Type-specific settings are optional. */
export interface FieldDef {
  key: string;
  type: string;
  label?: Label;
  required?: boolean;
  /** A literal default, or an expression when it is a string starting with "=". */
  default?: unknown;
  help?: Label;
  /** Conditions in the expression language, evaluated by the server (`…/preview`). */
  visible_when?: string;
  required_when?: string;
  readonly_when?: string;
  precision?: number;
  /** Bounds of a number; the highest score of a rating. */
  min?: number;
  max?: number;
  currency?: string;
  options?: SelectOption[];
  /** How a select/multiselect shows its options: "dropdown", "radio" or "checkbox". */
  display?: string;
  /** Whether a cascade's value must reach an option without children (default true). */
  require_leaf?: boolean;
  /** The entity a link/links field points at. */
  target?: string;
  /** A lookup's link field (of the same entity) and the linked entity's field it shows. */
  link?: string;
  field?: string;
  max_files?: number;
  accept?: string[];
  max_links?: number;
  max_users?: number;
  max_count?: number;
  max_length?: number;
  fields?: FieldDef[];
  /** Type whose display format a formula's result uses, e.g. "currency". */
  result_type?: string;
  /** A roll-up: the related entity, the link on it pointing here, the aggregation and the field aggregated. */
  source?: string;
  via?: string;
  agg?: string;
  /** Linkage of a link: fields here filled from the chosen record (`{field here: its field}`). */
  fill?: Record<string, string>;
  /** Linkage of a link: only records whose field equals a field here (`{its field: field here}`). */
  filter_by?: Record<string, string>;
}

export interface EntityDef {
  key: string;
  label?: Label;
  title_field?: string;
  owner_field?: string;
  fields: FieldDef[];
}

export interface FormSection {
  section?: Label;
  columns?: number;
  fields: string[];
}

export interface FormDef {
  entity: string;
  key: string;
  layout: FormSection[];
}

/** A saved view of an entity's records: a table, or a kanban board grouped by a select field. */
export interface ViewDef {
  entity: string;
  key: string;
  type: string;
  label?: Label;
  columns?: string[];
  sort?: string[];
  /** Kanban: the select field whose options are the columns, and the fields each card shows. */
  group_by?: string;
  card_fields?: string[];
  /** Which records the view holds; applied by the server (`?view=`), opaque to the client. */
  filter?: unknown;
}

/** An action of the definition (what the client needs of it to offer it on a list). */
export interface ActionDef {
  key: string;
  type: string;
  entity: string;
  label: Label;
  roles?: string[];
  pool?: string;
}

/** A pool of the definition: ownerless records people claim. */
export interface PoolDef {
  key: string;
  entity: string;
  owner_field?: string;
  claim?: { roles?: string[] };
  /** Fields nobody but the pool's managers reads while a record is in the pool. */
  hidden_fields?: string[];
  assign?: { roles?: string[] };
}

export interface AppDefinition {
  key: string;
  version: string;
  label?: Label;
  entities: EntityDef[];
  forms?: FormDef[];
  views?: ViewDef[];
  actions?: ActionDef[];
  pools?: PoolDef[];
  /** Automations (issue 10); their shape lives in api/rules.ts. */
  rules?: RuleDef[];
  /** The app's roles (their permissions are the server's business). */
  roles?: { key: string; label?: Label }[];
}

export interface AppSummary {
  key: string;
  version: string;
  label?: Label;
  entities: { key: string; label?: Label }[];
}

export interface User {
  id: number;
  username: string;
  display_name?: string;
}

export interface CurrentUser extends User {
  roles: string[];
  /** Tenant administrators see the admin pages and the designers. */
  is_admin?: boolean;
}

export interface LoginResponse {
  access_token: string;
  token_type: string;
  user: CurrentUser;
}

/** A stored record: system columns, field values by key, and display titles. */
export interface RecordData {
  id: number;
  version: number;
  created_at?: string;
  created_by?: number;
  updated_at?: string;
  updated_by?: number;
  _display?: Record<string, DisplayTitle>;
  /** `GET` of one record: what the caller may do with it. */
  _access?: { update: boolean; delete: boolean };
  [field: string]: unknown;
}

/** What `_display` holds for a reference: a title, or titles in order for a list of ids. */
export type DisplayTitle = string | (string | null)[];

export interface Page<T> {
  items: T[];
  total: number;
  page?: number;
  page_size?: number;
}

export interface FieldError {
  field?: string;
  message: string;
}

/** RFC 9457 problem details, as every API error answers. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
}

export interface StoredFile {
  id: number | string;
  name: string;
  size?: number;
  content_type?: string;
  url: string;
}

/** One entry of `GET /api/catalog/field-types`. */
export interface FieldTypeInfo {
  type: string;
  label: Label;
  /** False for values the server computes (formula, lookup, …): shown, never sent. */
  writable: boolean;
  /** Numbers that compare, add up and copy into each other. */
  numeric: boolean;
  /** Whether a list may be ordered by fields of this type. */
  sortable: boolean;
  /** The filter kind (`GET /api/catalog/filters`), "derived" when the field's options decide, null when not filterable. */
  filter_kind: string | null;
  /** Whether a sub-table's rows may hold a field of this type. */
  in_subtable: boolean;
  /** How a spreadsheet cell holds a value; null when values never go into a sheet. */
  cell: string | null;
  wire: string;
}

export type FieldLevel = "hidden" | "read" | "write";

/** The caller's rights on one entity (`GET /api/apps/{app}/permissions`). */
export interface EntityAccess {
  read: string | false;
  create: boolean;
  update: string | false;
  delete: string | false;
  fields: Record<string, FieldLevel>;
}

export interface AppAccess {
  app: string;
  roles: string[];
  admin: boolean;
  entities: Record<string, EntityAccess>;
}

export interface Department {
  id: number;
  name: string;
  parent_id: number | null;
}

/**
 * `POST /api/apps/{app}/{entity}/preview`: the live state of a form, keyed by
 * field path (`lost_reason`, `lines[0].subtotal`). A path not listed keeps the
 * definition's state.
 */
export interface FormPreview {
  visible: Record<string, boolean>;
  required: Record<string, boolean>;
  readonly: Record<string, boolean>;
  /** Computed values (formulas), in wire format. */
  values: Record<string, unknown>;
  /** Why a value sent does not coerce: what a save would answer. */
  errors: Record<string, string>;
  /** A new record's defaults (literal and expression) of the fields not sent, in wire format. */
  defaults?: Record<string, unknown>;
}

/** One field the user fills in when running an action: a field of `entity`. */
export interface ActionInput {
  entity: string;
  field: string;
  required: boolean;
}

/** One record a conversion makes, with its inputs pre-filled from the mapping. */
export interface ActionStep {
  key: string;
  entity: string;
  optional: boolean;
  input: ActionInput[];
  prefill: Record<string, unknown>;
}

/** An action the user may run on a record now (`GET …/{id}/actions`). */
export interface RecordAction {
  key: string;
  type: string;
  label?: Label;
  /** A question to ask before running it. */
  confirm?: Label | null;
  input: ActionInput[];
  /** A conversion's records, in order. */
  steps?: ActionStep[];
}

/** What running an action answers: the record now, and the records a conversion made or reused. */
export interface ActionResult {
  action: string;
  type: string;
  record: RecordData;
  created?: Record<string, number>;
  reused?: Record<string, number>;
  skipped?: string[];
}

/** `GET …/aggregate`: one object per group, keyed by the group fields and the measures. */
export interface AggregateAnswer {
  group_by: string[];
  measures: string[];
  groups: Record<string, unknown>[];
}
