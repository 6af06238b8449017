import { createContext, useContext } from "react";
import type { AppDefinition } from "../api/types";

/** What the builder shell gives every design page: the app's versions and the draft/publish path. */
export interface DesignState {
  app: string;
  published: AppDefinition;
  /** The unpublished edit, or null when there is none. */
  draft: AppDefinition | null;
  /** What designers edit and save: the draft, else the published version. */
  working: AppDefinition;
  /** Whether the draft differs from the published version. */
  changed: boolean;
  /** Writes `definition` as the draft (422 ApiError with the errors' JSON paths when invalid). */
  saveDraft: (definition: AppDefinition) => Promise<void>;
  /** Publishes the draft (422 ApiError naming what blocks it). */
  publish: () => Promise<void>;
}

export const DesignContext = createContext<DesignState | null>(null);

export function useDesign(): DesignState {
  const state = useContext(DesignContext);
  if (!state) throw new Error("useDesign outside the builder shell");
  return state;
}

/** JSON with keys in order, so two definitions compare equal whatever order their keys came in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, canonical(item)]),
    );
  }
  return value;
}

/** Whether a draft changes anything but the version number (the server raises that at publish). */
export function differs(draft: AppDefinition | null, published: AppDefinition): boolean {
  if (!draft) return false;
  const strip = (definition: AppDefinition) => canonical({ ...definition, version: undefined });
  return JSON.stringify(strip(draft)) !== JSON.stringify(strip(published));
}
