/** Calls of the list screens: saved views, bulk work, the recycle bin, the filter catalogue. */
import { idempotencyHeader, request } from "../api/client";
import type { Label, Page, RecordData } from "../api/types";

const recordsPath = (app: string, entity: string) =>
  `/api/apps/${encodeURIComponent(app)}/${encodeURIComponent(entity)}`;

/** `GET /api/catalog/filters`: the operators and which apply to which filter kind. */
export interface FilterCatalogue {
  operators: { op: string; label: Label; value: string }[];
  kinds: Record<string, string[]>;
  field_types: Record<string, string>;
  system_fields: Record<string, string>;
  not_filterable: string[];
}

export interface SavedViewDefinition {
  filter: unknown;
  sort: string[];
  columns: string[];
  /** The search text; absent in views saved before it was kept. */
  q?: string | null;
}

export interface SavedView {
  id: number;
  name: string;
  definition: SavedViewDefinition;
  created_at: string;
}

/** One record a bulk request could not change (the whole request then changed nothing). */
export interface BulkFailure {
  id: number;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

let catalogue: Promise<FilterCatalogue> | null = null;

export const listApi = {
  filterCatalogue(): Promise<FilterCatalogue> {
    catalogue ??= request<FilterCatalogue>("GET", "/api/catalog/filters").catch((error: unknown) => {
      catalogue = null;
      throw error;
    });
    return catalogue;
  },
  savedViews: (app: string, entity: string) =>
    request<{ items: SavedView[] }>("GET", `${recordsPath(app, entity)}/saved-views`),
  saveView: (app: string, entity: string, name: string, definition: SavedViewDefinition) =>
    request<SavedView>("POST", `${recordsPath(app, entity)}/saved-views`, { name, ...definition }),
  deleteView: (app: string, entity: string, id: number) =>
    request<void>("DELETE", `${recordsPath(app, entity)}/saved-views/${id}`),
  // Bulk calls take the confirmed operation's key (`Submission.keyFor`): a retry of it replays.
  bulkUpdate: (app: string, entity: string, ids: number[], values: Record<string, unknown>, key: string) =>
    request<{ updated: number }>(
      "POST",
      `${recordsPath(app, entity)}/bulk-update`,
      { ids, values },
      undefined,
      undefined,
      idempotencyHeader(key),
    ),
  bulkDelete: (app: string, entity: string, ids: number[], key: string) =>
    request<{ deleted: number }>(
      "POST",
      `${recordsPath(app, entity)}/bulk-delete`,
      { ids },
      undefined,
      undefined,
      idempotencyHeader(key),
    ),
  bulkAction: (
    app: string,
    entity: string,
    ids: number[],
    action: string,
    params: Record<string, unknown>,
    key: string,
  ) =>
    request<{ done: number }>(
      "POST",
      `${recordsPath(app, entity)}/bulk-action`,
      { ids, action, params },
      undefined,
      undefined,
      idempotencyHeader(key),
    ),
  deleted: (app: string, entity: string, page: number, pageSize: number) =>
    request<Page<RecordData>>("GET", `${recordsPath(app, entity)}/deleted`, undefined, { page, page_size: pageSize }),
  restore: (app: string, entity: string, id: number) =>
    request<RecordData>("POST", `${recordsPath(app, entity)}/${id}/restore`),
  purge: (app: string, entity: string, id: number) =>
    request<void>("DELETE", `${recordsPath(app, entity)}/deleted/${id}`),
};
