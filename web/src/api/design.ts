/**
 * The draft/publish path of an app's definition, which every designer saves
 * through (so a template's customisations stay an overlay that survives upgrades).
 */
import { ApiError, request } from "./client";
import type { AppDefinition } from "./types";

const appPath = (app: string) => `/api/apps/${encodeURIComponent(app)}`;

export interface Published {
  version: string;
  [detail: string]: unknown;
}

export const designApi = {
  published: (app: string) => request<AppDefinition>("GET", `${appPath(app)}/definition`),
  /** The app's draft, or null when it has none (the server answers 404). */
  draft: async (app: string): Promise<AppDefinition | null> => {
    try {
      return await request<AppDefinition>("GET", `${appPath(app)}/definition/draft`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  },
  saveDraft: (app: string, definition: AppDefinition) =>
    request<{ version: string }>("PUT", `${appPath(app)}/definition/draft`, definition),
  publish: (app: string) => request<Published>("POST", `${appPath(app)}/definition/publish`),
};
