/**
 * The server's catalogue of field types (`GET /api/catalog/field-types`), so
 * the UI learns from the server which types are computed rather than keeping
 * its own list. Loaded once per page load before any app page renders (see
 * AppPage), hence read synchronously by the pure helpers of definition.ts.
 */
import { api } from "./api/client";
import type { FieldTypeInfo } from "./api/types";

let catalog: Map<string, FieldTypeInfo> | null = null;
let request: Promise<Map<string, FieldTypeInfo>> | null = null;

export function loadFieldCatalog(): Promise<Map<string, FieldTypeInfo>> {
  request ??= api.fieldTypes().then(
    (types) => (catalog = new Map(types.map((info) => [info.type, info]))),
    (error: unknown) => {
      request = null;
      throw error;
    },
  );
  return request;
}

/** Whether clients write values of this type; a type the server does not list is not written. */
export function isWritableType(type: string): boolean {
  return catalog?.get(type)?.writable ?? false;
}

/** Whether a list may be ordered by fields of this type; a type the server does not list is not. */
export function isSortableType(type: string): boolean {
  return catalog?.get(type)?.sortable ?? false;
}
