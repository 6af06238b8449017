/**
 * The filters of an entity's list, read from and written to its URL
 * (hooks/useListParams.ts): the filter builder's tree, the column filters, the
 * saved view picked and its columns. A filter or sort of the URL that does not
 * fit the entity, or that the server refuses, is dropped with a notice.
 */
import { useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import type { EntityDef } from "../api/types";
import { useEntityAccess } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import type { useListParams } from "../hooks/useListParams";
import type { FilterCatalogue, SavedView, SavedViewDefinition } from "./api";
import { filterKind, type Condition, type Group } from "./filters";
import {
  columnFiltersText,
  combinedFilter,
  readColumnFilters,
  readFilter,
  sortFits,
  treeText,
  type FilterScope,
} from "./listUrl";

type List = ReturnType<typeof useListParams>;

/** What the list shows beyond its view: the user's filter, column filters, columns of a saved view. */
export interface Refinement {
  tree: Group;
  columnFilters: Record<string, Condition>;
  columns?: string[];
}

/** The parts of the URL a fallback drops: the list then shows its view as it is. */
const DROPPED = { filter: undefined, columnFilters: undefined, sort: undefined, page: 1 } as const;

export function useListFilters(entity: EntityDef, catalogue: FilterCatalogue | undefined, list: List) {
  const access = useEntityAccess(entity.key);
  const { t } = useI18n();
  const [notice, setNotice] = useState<string | null>(null);
  const scope = useMemo<FilterScope>(
    () => ({ entity, catalogue, hidden: (key) => access.fields[key] === "hidden" }),
    [entity, catalogue, access.fields],
  );
  const builder = useMemo(() => readFilter(scope, list.filter), [scope, list.filter]);
  const columns = useMemo(() => readColumnFilters(scope, list.columnFilters), [scope, list.columnFilters]);
  const sortOk = sortFits(scope, list.sort);
  const kindOf = (key: string) => {
    const field = entity.fields.find((candidate) => candidate.key === key);
    return catalogue && field ? filterKind(catalogue, field) : undefined;
  };

  // A link that does not fit (typed by hand, from another user, older than the app) falls back, in place.
  const unfit = builder.invalid || columns.invalid || !sortOk;
  useEffect(() => {
    if (!unfit) return;
    setNotice(t("listLinkUnfit"));
    list.update(
      {
        ...(builder.invalid ? { filter: undefined } : {}),
        ...(columns.invalid ? { columnFilters: undefined } : {}),
        ...(sortOk ? {} : { sort: undefined }),
        page: 1,
      },
      { replace: true },
    );
    // `list` is a fresh object each render: what matters is whether the URL fits.
  }, [unfit, builder.invalid, columns.invalid, sortOk]);

  const filterJson = combinedFilter([builder.filter, ...columns.filters]);
  const refinement: Refinement = { tree: builder.tree, columnFilters: columns.columns, columns: list.columns };

  /** The list with `next`'s filters, from its first page; an unchanged tree keeps its text as the URL has it. */
  const refine = (next: Refinement) =>
    list.update({
      filter: next.tree === builder.tree ? list.filter : treeText(next.tree, kindOf),
      columnFilters: next.columnFilters === columns.columns ? list.columnFilters : columnFiltersText(next.columnFilters, kindOf),
      columns: next.columns,
      page: 1,
    });

  const pickSaved = (saved: SavedView | undefined) => {
    if (!saved) {
      list.update({ saved: undefined, filter: undefined, columnFilters: undefined, columns: undefined, page: 1 });
      return;
    }
    const { filter, sort, columns: shown, q } = saved.definition;
    list.update({
      saved: saved.id,
      q: q ?? "",
      filter: filter === null || filter === undefined ? undefined : JSON.stringify(filter),
      columnFilters: undefined,
      columns: shown.length ? shown : undefined,
      sort: sort[0],
      page: 1,
    });
  };

  /** What "save view" stores: the filters as the list applies them, its sort and columns. */
  const current = (): SavedViewDefinition => ({
    filter: filterJson ?? null,
    sort: list.sort ? [list.sort] : [],
    columns: list.columns ?? [],
    q: list.q || null,
  });

  /**
   * The server refused the list (a value of the wrong type, an operator the
   * field lost): the list falls back to its view, without filter and sort,
   * and says why. False when there was nothing to drop: the error stands.
   */
  const refused = (error: Error): boolean => {
    const refusal = error instanceof ApiError && (error.status === 400 || error.status === 422);
    if (!refusal || (filterJson === undefined && list.sort === undefined)) return false;
    setNotice(t("listRefused", { detail: error.message }));
    list.update(DROPPED, { replace: true });
    return true;
  };

  return {
    refinement,
    refine,
    /** The `filter` parameter of the list request; undefined: none. */
    filter: filterJson === undefined ? undefined : JSON.stringify(filterJson),
    /** The builder's filter alone (not the column filters), as the URL holds it. */
    builderFilter: builder.filter,
    pickSaved,
    current,
    refused,
    notice,
    closeNotice: () => setNotice(null),
  };
}
