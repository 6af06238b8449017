import { useOutletContext } from "react-router-dom";
import type { AppDefinition } from "../api/types";

/** The definition of the open app, which AppPage loads and hands to the pages inside it. */
export function useAppDefinition(): AppDefinition {
  return useOutletContext<AppDefinition>();
}
