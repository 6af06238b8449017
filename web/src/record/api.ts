/** Calls of the record page: its history. Related lists use the list API. */
import { request } from "../api/client";
import type { Label } from "../api/types";

/** One field change of a history entry. */
export interface HistoryChange {
  field: string;
  from: unknown;
  to: unknown;
  /** The field's label (its key for a field no longer defined). */
  label: Label;
  /** What people read for `from`/`to` (option labels, user names, linked titles), when not the value itself. */
  from_display?: unknown;
  to_display?: unknown;
}

/** `GET /api/apps/{app}/{entity}/{id}/history`: one audit entry, readable. */
export interface HistoryEntry {
  at: string;
  user_id: number | null;
  user: string | null;
  action: string;
  /** What happened: created, changed, claimed, converted, returned to the pool… */
  title: Label;
  action_key?: string;
  action_type?: string | null;
  /** What wrote it besides the user (`rule:<key>`, `action:<key>`, `import`, `bulk:update`, …); null: their own edit. */
  via?: string | null;
  /** `via` as people read it, in the request's language ("by rule “…”", "通过导入"); null when there is nothing to add. */
  via_label?: string | null;
  changes: HistoryChange[];
}

export const recordHistory = (app: string, entity: string, id: number) =>
  request<HistoryEntry[]>(
    "GET",
    `/api/apps/${encodeURIComponent(app)}/${encodeURIComponent(entity)}/${id}/history`,
  );
