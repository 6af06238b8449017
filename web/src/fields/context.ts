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
  setSiblings?: (values: Record<string, unknown>) => void;
}

export const FieldEnvironmentContext = createContext<FieldEnvironment | null>(null);

export function useFieldEnvironment(): FieldEnvironment {
  const env = useContext(FieldEnvironmentContext);
  if (!env) throw new Error("field input outside FieldEnvironmentContext");
  return env;
}
