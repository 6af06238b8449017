import { ApiError } from "../api/client";

/** A problem's errors by the JSON path they name (`$.rules[2].effects[0].values.status`); `$` when they name none. */
export function errorsByPath(error: unknown): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (!(error instanceof ApiError)) return found;
  for (const item of error.problem.errors ?? []) {
    const path = item.field ?? "$";
    found.set(path, [...(found.get(path) ?? []), item.message]);
  }
  return found;
}
