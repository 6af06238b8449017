/** Shapes of the Formwork HTTP API as the UI uses them. */

/** A text in several languages, e.g. `{"zh-CN": "客户", "en": "Customer"}`. */
export type LocalizedText = Record<string, string>;

/** A label may be localised or, in hand-written definitions, a plain string. */
export type Label = LocalizedText | string;

export interface SelectOption {
  value: string;
  label?: Label;
}

/** One field of an entity (or of a subtable). Type-specific settings are optional. */
export interface FieldDef {
  key: string;
  type: string;
  label?: Label;
  required?: boolean;
  /** A literal default, or an expression when it is a string starting with "=". */
  default?: unknown;
  visible_when?: string;
  precision?: number;
  min?: number;
  max?: number;
  currency?: string;
  options?: SelectOption[];
  target?: string;
  max_files?: number;
  fields?: FieldDef[];
  /** Type whose display format a formula's result uses, e.g. "currency". */
  result_type?: string;
}

export interface EntityDef {
  key: string;
  label?: Label;
  title_field?: string;
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

export interface ViewDef {
  entity: string;
  key: string;
  type: string;
  columns?: string[];
  sort?: string[];
}

export interface AppDefinition {
  key: string;
  version: string;
  label?: Label;
  entities: EntityDef[];
  forms?: FormDef[];
  views?: ViewDef[];
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
  _display?: Record<string, string>;
  [field: string]: unknown;
}

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
