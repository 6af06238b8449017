import type { AriaAttributes, ComponentType, ReactNode } from "react";
import type { FieldDef } from "../api/types";
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
}

export interface DisplayContext {
  t: Translate;
  label: LabelOf;
  /** The server's title for a link or user value (record `_display[field]`). */
  title?: string;
}

/** How one field type is edited and shown. A renderer without Input is read-only. */
export interface FieldRenderer {
  Input?: ComponentType<FieldInputProps>;
  /** Formats a wire value for tables and read-only places. */
  display: (value: unknown, field: FieldDef, ctx: DisplayContext) => ReactNode;
  /** Turns the form value into the request value, when it differs. */
  toWire?: (value: unknown, field: FieldDef) => unknown;
}
