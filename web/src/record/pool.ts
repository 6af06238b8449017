/**
 * A pool's `hidden_fields` on a record page: while a record waits in a pool the server
 * sends them blank to all but the pool's managers (engine/actions/pools.py,
 * `pool_masks`), which a reader would take for "no phone". They read "shown once
 * claimed" instead. A record without an owner is taken as in the pool: the server's
 * `open_when` decides exactly, and it only ever hides more.
 */
import type { AppAccess, AppDefinition, RecordData } from "../api/types";
import { isEmpty } from "../fields/values";

export function poolHiddenFields(
  definition: AppDefinition,
  access: AppAccess,
  entity: string,
  record: RecordData,
): Set<string> {
  const hidden = new Set<string>();
  for (const pool of definition.pools ?? []) {
    if (pool.entity !== entity || !pool.hidden_fields?.length || !pool.owner_field) continue;
    // The pool's managers (and administrators) read them: `Pool.unmasked_for`.
    if (access.admin || (pool.assign?.roles ?? []).some((role) => access.roles.includes(role))) continue;
    if (!isEmpty(record[pool.owner_field])) continue;
    pool.hidden_fields.filter((key) => isEmpty(record[key])).forEach((key) => hidden.add(key));
  }
  return hidden;
}
