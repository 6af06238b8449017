import { useOutletContext } from "react-router-dom";
import type { AppAccess, AppDefinition, EntityAccess } from "../api/types";

/** What AppPage loads for the pages inside it: the definition and the caller's rights. */
export interface OpenApp {
  definition: AppDefinition;
  access: AppAccess;
}

/** The definition of the open app. */
export function useAppDefinition(): AppDefinition {
  return useOutletContext<OpenApp>().definition;
}

/** No rights at all: what an entity the permissions do not list allows. */
const NO_ACCESS: EntityAccess = { read: false, create: false, update: false, delete: false, fields: {} };

/** The caller's rights on one entity of the open app. */
export function useEntityAccess(entity: string): EntityAccess {
  return useOutletContext<OpenApp>().access.entities[entity] ?? NO_ACCESS;
}

/** The caller's roles in the open app, and whether they administer the tenant. */
export function useAppRoles(): { roles: string[]; admin: boolean } {
  const { roles, admin } = useOutletContext<OpenApp>().access;
  return { roles, admin };
}
