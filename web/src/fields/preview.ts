import { createContext, useContext } from "react";
import type { FormPreview } from "../api/types";

/** The latest live state of the form (`…/preview`), for inputs nested inside it (sub-table cells). */
export const FormPreviewContext = createContext<FormPreview | null>(null);

export interface PathState {
  visible: boolean;
  readonly: boolean;
  /** Whether the preview computed a value here (a formula): then `value` is it. */
  computed: boolean;
  value: unknown;
}

/** The live state of one path; a path the preview does not list keeps the definition's state. */
export function usePathState(path: string | undefined): PathState {
  const preview = useContext(FormPreviewContext);
  if (!preview || !path) return { visible: true, readonly: false, computed: false, value: undefined };
  return {
    visible: preview.visible[path] ?? true,
    readonly: preview.readonly[path] ?? false,
    computed: path in preview.values,
    value: preview.values[path],
  };
}
