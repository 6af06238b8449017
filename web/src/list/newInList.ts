/**
 * "New" on a list filtered to one record (a customer's opportunities, opened
 * from the customer's "view all") starts the new record linked to it, as the
 * related list's own "new" does; once saved, the new record's page opens.
 */
import { useLocation, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { EntityDef, FieldDef } from "../api/types";
import { findEntity } from "../definition";
import { isRow } from "../fields/values";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { newRecordPath } from "../record/paths";
import { prelinked, type RelatedList } from "../record/related";

/** The record a filter narrows the list to: a top-level `link = id` condition (alone or in the top "and"). */
export function filterParent(entity: EntityDef, filter: unknown): { via: FieldDef; id: number } | undefined {
  const top: unknown[] = isRow(filter) && Array.isArray(filter.and) ? filter.and : [filter];
  for (const item of top) {
    if (!isRow(item) || item.op !== "eq") continue;
    const via = entity.fields.find((field) => field.key === item.field && field.type === "link" && field.target);
    const id = typeof item.value === "string" && /^\d+$/.test(item.value) ? Number(item.value) : item.value;
    if (via && typeof id === "number" && Number.isSafeInteger(id) && id > 0) return { via, id };
  }
  return undefined;
}

/** Opens the new-record form of `entity`, pre-linked to the record `filter` narrows the list to, if any. */
export function useNewInList(app: string, entity: EntityDef, filter: unknown) {
  const definition = useAppDefinition();
  const navigate = useNavigate();
  const location = useLocation();
  return async () => {
    const back = `${location.pathname}${location.search}`;
    const parent = filterParent(entity, filter);
    const host = parent?.via.target ? findEntity(definition, parent.via.target) : undefined;
    if (!parent || !host) {
      navigate(newRecordPath(app, entity.key), { state: { back } });
      return;
    }
    const list: RelatedList = {
      key: `${entity.key}.${parent.via.key}`,
      entity,
      via: parent.via,
      ambiguous: false,
      quickAdd: false,
      canCreate: true,
    };
    let start: { values: Record<string, number>; titles: Record<string, string> } = {
      values: { [parent.via.key]: parent.id },
      titles: {},
    };
    try {
      start = prelinked(definition, list, host, await api.getRecord(app, host.key, parent.id));
    } catch {
      // The parent cannot be read (gone, or out of the reader's scope): the link alone, which the save checks.
    }
    navigate(newRecordPath(app, entity.key, start.values), { state: { back, titles: start.titles } });
  };
}
