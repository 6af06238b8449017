/** Addresses of record pages: view, edit and a new record pre-filled from the query string. */

const base = (app: string, entity: string) => `/apps/${encodeURIComponent(app)}/${encodeURIComponent(entity)}`;

/** The record's page (view mode). */
export const recordPath = (app: string, entity: string, id: number) => `${base(app, entity)}/${id}`;

/** The record's edit form. */
export const editPath = (app: string, entity: string, id: number) => `${recordPath(app, entity, id)}/edit`;

/** A new record's form with `preset` values in the query (`?customer=12`), which the form takes as its start. */
export function newRecordPath(app: string, entity: string, preset: Record<string, string | number> = {}): string {
  const query = new URLSearchParams(Object.entries(preset).map(([key, value]) => [key, String(value)]));
  const text = query.toString();
  return `${base(app, entity)}/new${text ? `?${text}` : ""}`;
}
