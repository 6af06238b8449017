/** Pure helpers of the rule designer: placing a rule in the definition, and its errors. */
import type { RuleDef } from "../../api/rules";
import type { AppDefinition } from "../../api/types";

/** The path the editor's forms use for the rule it edits; the server's `$.rules[i]` is turned into it. */
export const RULE_PATH = "rule";

export function blankRule(entity: string): RuleDef {
  return { key: "", label: { "zh-CN": "", en: "" }, entity, enabled: true, trigger: { on: "" }, when: null, effects: [] };
}

/**
 * The definition with `rule` in its rules: in place of the rule keyed
 * `original` when editing one, else appended. Answers where it went, so the
 * server's errors (`$.rules[i]…`) can be told apart.
 */
export function placeRule(
  definition: AppDefinition,
  rule: RuleDef,
  original: string | undefined,
): { definition: AppDefinition; index: number } {
  const rules = [...(definition.rules ?? [])];
  const at = original === undefined ? -1 : rules.findIndex((candidate) => candidate.key === original);
  const index = at >= 0 ? at : rules.length;
  rules[index] = rule;
  return { definition: { ...definition, rules }, index };
}

export function withoutRule(definition: AppDefinition, key: string): AppDefinition {
  return { ...definition, rules: (definition.rules ?? []).filter((rule) => rule.key !== key) };
}

/** The rule as saved: no empty condition, no blank label texts. */
export function cleanRule(rule: RuleDef): RuleDef {
  const when = rule.when?.trim();
  const label = Object.fromEntries(Object.entries(rule.label).filter(([, text]) => text.trim()));
  return { ...rule, label, when: when ? when : null };
}

/**
 * The server's errors split into the ones about this rule (re-keyed under
 * RULE_PATH, so each form shows its own) and all the others (shown in a list).
 */
export function ruleErrors(
  errors: ReadonlyMap<string, string[]>,
  index: number,
): { mine: Map<string, string[]>; others: [string, string[]][] } {
  const prefix = `$.rules[${index}]`;
  const mine = new Map<string, string[]>();
  const others: [string, string[]][] = [];
  for (const [path, messages] of errors) {
    if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) {
      mine.set(RULE_PATH + path.slice(prefix.length), messages);
    } else {
      others.push([path, messages]);
    }
  }
  return { mine, others };
}

/** Moves the item at `from` by `step` places (−1 up, +1 down), leaving the list as is at its ends. */
export function moved<T>(items: T[], from: number, step: number): T[] {
  const to = from + step;
  if (to < 0 || to >= items.length) return items;
  const next = [...items];
  [next[from], next[to]] = [next[to], next[from]];
  return next;
}
