import type { AriaAttributes, ComponentType, ReactNode } from "react";
import type { AppDefinition, DisplayTitle, FieldDef } from "../api/types";
import type { LabelOf, Translate } from "../i18n";

/** What antd's Form.Item tells the control about its state; inputs pass it to the focusable element. */
export type FieldAria = Pick<AriaAttributes, "aria-invalid" | "aria-describedby" | "aria-required">;

/**
 * Props of a field input. Values are in wire format (what the API sends and
 * accepts), so the antd Form holds exactly what is submitted.
 */
export interface FieldInputProps extends FieldAria {
  field: FieldDef;
  value?: unknown;
  onChange?: (value: unknown) => void;
  id?: string;
  /** Shown but not editable (field access, `readonly_when`). */
  disabled?: boolean;
}

export interface DisplayContext {
  t: Translate;
  label: LabelOf;
  definition: AppDefinition;
  /** The server's title(s) for a reference value (record `_display[field]`). */
  title?: DisplayTitle;
}

/** How one field type is edited and shown. A renderer without Input is read-only. */
export interface FieldRenderer {
  Input?: ComponentType<FieldInputProps>;
  /** Formats a wire value for tables and read-only places. */
  display: (value: unknown, field: FieldDef, ctx: DisplayContext) => ReactNode;
  /** A one-line form for table cells, when `display` is more than a line (rich text). */
  summary?: (value: unknown, field: FieldDef, ctx: DisplayContext) => ReactNode;
  /** Turns the form value into the request value, when it differs. */
  toWire?: (value: unknown, field: FieldDef) => unknown;
}
