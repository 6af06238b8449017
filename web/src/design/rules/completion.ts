/** Completion of names at the cursor in an expression: pure, so the editor stays a thin view. */

/** Characters of a name the expression language reads: fields, `old.field`, functions. */
const NAME_CHAR = /[A-Za-z0-9_.]/;

export interface Word {
  start: number;
  end: number;
  text: string;
}

/** The name the cursor is in or right after. */
export function wordAt(text: string, cursor: number): Word {
  let start = cursor;
  while (start > 0 && NAME_CHAR.test(text[start - 1])) start -= 1;
  let end = cursor;
  while (end < text.length && NAME_CHAR.test(text[end])) end += 1;
  return { start, end, text: text.slice(start, cursor) };
}

/** Whether the cursor sits inside a string literal, where nothing is completed. */
export function inString(text: string, cursor: number): boolean {
  let quote: string | null = null;
  for (let at = 0; at < cursor; at += 1) {
    const char = text[at];
    if (quote) {
      if (char === "\\") at += 1;
      else if (char === quote) quote = null;
    } else if (char === "'" || char === '"') {
      quote = char;
    }
  }
  return quote !== null;
}

export interface Suggestion {
  /** What is inserted. */
  insert: string;
  /** What the list shows. */
  shown: string;
  kind: "name" | "function";
  detail?: string;
}

const LIMIT = 12;

/** Names and functions starting with the word (case-insensitive), names first; none for an empty word. */
export function suggestions(
  word: string,
  names: readonly string[],
  functions: readonly { name: string; signature?: string }[],
): Suggestion[] {
  if (!word) return [];
  const lower = word.toLowerCase();
  const starts = (candidate: string) => candidate.toLowerCase().startsWith(lower) && candidate !== word;
  const found: Suggestion[] = [
    ...names.filter(starts).map((name): Suggestion => ({ insert: name, shown: name, kind: "name" })),
    ...functions
      .filter((fn) => starts(fn.name))
      .map((fn): Suggestion => ({ insert: `${fn.name}(`, shown: fn.name, kind: "function", detail: fn.signature })),
  ];
  return found.slice(0, LIMIT);
}

/** The text with the word replaced by the suggestion, and where the cursor goes. */
export function accept(text: string, word: Word, suggestion: Suggestion): { text: string; cursor: number } {
  const next = text.slice(0, word.start) + suggestion.insert + text.slice(word.end);
  return { text: next, cursor: word.start + suggestion.insert.length };
}
