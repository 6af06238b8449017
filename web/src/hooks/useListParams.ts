import { useSearchParams } from "react-router-dom";

export const DEFAULT_PAGE_SIZE = 20;

export interface ListParams {
  /** The view's key; absent: the entity's default view. */
  view?: string;
  page: number;
  pageSize: number;
  /** The sort the user chose (`field` or `-field`); absent: the view's own order, applied by the server. */
  sort?: string;
  q: string;
}

/** An entity page's state lives in the URL (view, page, page_size, sort, q), so back and reload keep it. */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const state: ListParams = {
    view: params.get("view") || undefined,
    page: Number(params.get("page")) || 1,
    pageSize: Number(params.get("page_size")) || DEFAULT_PAGE_SIZE,
    sort: params.get("sort") || undefined,
    q: params.get("q") ?? "",
  };
  const update = (changes: Partial<ListParams>) => {
    const next = { ...state, ...changes };
    const query: Record<string, string> = {};
    if (next.view) query.view = next.view;
    query.page = String(next.page);
    query.page_size = String(next.pageSize);
    if (next.sort) query.sort = next.sort;
    if (next.q) query.q = next.q;
    setParams(query);
  };
  return { ...state, update };
}
