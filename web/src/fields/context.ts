import { createContext, useContext } from "react";
import type { AppDefinition, DisplayTitle } from "../api/types";

/** What inputs need beyond their own value: the app, and titles of current link/user values. */
export interface FieldEnvironment {
  app: string;
  definition: AppDefinition;
  display: Record<string, DisplayTitle>;
  /**
   * The values beside an input (the form's, or its sub-table row's), for linkage:
   * a link reads the fields it is filtered by and writes the fields it fills.
   */
  siblings?: () => Record<string, unknown>;
  /** `source`: the link whose pick fills them (a link filtered by a field it fills keeps its pick). */
  setSiblings?: (values: Record<string, unknown>, source?: string) => void;
}

export const FieldEnvironmentContext = createContext<FieldEnvironment | null>(null);

export function useFieldEnvironment(): FieldEnvironment {
  const env = useContext(FieldEnvironmentContext);
  if (!env) throw new Error("field input outside FieldEnvironmentContext");
  return env;
}
