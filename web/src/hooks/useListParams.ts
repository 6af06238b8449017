import { useSearchParams } from "react-router-dom";

export const DEFAULT_PAGE_SIZE = 20;
/** The largest page the server answers (docs/filters.md). */
const MAX_PAGE_SIZE = 500;

export interface ListParams {
  /** The view's key; absent: the entity's default view. */
  view?: string;
  page: number;
  pageSize: number;
  /** The sort the user chose (`field` or `-field`); absent: the view's own order, applied by the server. */
  sort?: string;
  q: string;
  /** The filter builder's filter: filter-language JSON (docs/filters.md), as the API takes it. */
  filter?: string;
  /** The column headers' filters: a JSON list of filter-language conditions, one per column. */
  columnFilters?: string;
  /** The columns a saved view chose, in order; absent: the view's own. */
  columns?: string[];
  /** The id of the saved view the list started from. */
  saved?: number;
}

/** A positive whole number of the URL, else `fallback` (a hand-edited `page=-1` is page 1). */
function positive(text: string | null, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!text || !/^\d+$/.test(text)) return fallback;
  const value = Number(text);
  return value >= 1 ? Math.min(value, max) : fallback;
}

/**
 * An entity page's state lives in the URL — view, page, page size, sort,
 * search, filters, saved view and its columns — so that reload, back and
 * forward and a shared link all show the same list. Defaults stay out of the
 * URL, which keeps it short enough to read. Whether a filter or a sort fits
 * the entity is for the page to check (list/listUrl.ts): this hook only reads
 * and writes the text.
 */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const columns = params.get("columns");
  const saved = positive(params.get("saved_view"), 0);
  const state: ListParams = {
    view: params.get("view") || undefined,
    page: positive(params.get("page"), 1),
    pageSize: positive(params.get("page_size"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    sort: params.get("sort") || undefined,
    q: params.get("q") ?? "",
    filter: params.get("filter") || undefined,
    columnFilters: params.get("column_filters") || undefined,
    columns: columns ? columns.split(",").filter(Boolean) : undefined,
    saved: saved || undefined,
  };
  /** Changes the list; `replace` corrects the URL in place instead of adding a step to the history. */
  const update = (changes: Partial<ListParams>, options: { replace?: boolean } = {}) => {
    const next = { ...state, ...changes };
    const query: Record<string, string> = {};
    if (next.view) query.view = next.view;
    if (next.saved) query.saved_view = String(next.saved);
    if (next.filter) query.filter = next.filter;
    if (next.columnFilters) query.column_filters = next.columnFilters;
    if (next.columns?.length) query.columns = next.columns.join(",");
    if (next.q) query.q = next.q;
    if (next.sort) query.sort = next.sort;
    if (next.page !== 1) query.page = String(next.page);
    if (next.pageSize !== DEFAULT_PAGE_SIZE) query.page_size = String(next.pageSize);
    setParams(query, { replace: options.replace });
  };
  return { ...state, update };
}
