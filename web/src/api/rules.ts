/**
 * The rule engine's API (issue 10): the catalogue of triggers and effects the
 * designer renders its forms from, the live check of a condition, dry runs,
 * run logs. Rules themselves are saved through the draft (api/design.ts).
 */
import { request } from "./client";
import type { JsonSchema } from "./messaging";
import type { Label, LocalizedText } from "./types";

/** Who a message goes to. Every list is optional. */
export interface Recipients {
  users?: string[];
  fields?: string[];
  roles?: string[];
  departments?: string[];
  managers_of?: string[];
  manager_levels?: number;
  addresses?: string[];
}

/** A trigger: `on` names its kind in the catalogue; the rest are that kind's settings. */
export interface TriggerDef {
  on: string;
  [setting: string]: unknown;
}

/** An effect: `type` names its kind in the catalogue; the rest are that kind's settings. */
export interface EffectDef {
  type: string;
  [setting: string]: unknown;
}

export interface RuleDef {
  key: string;
  label: LocalizedText;
  entity: string;
  enabled?: boolean;
  trigger: TriggerDef;
  when?: string | null;
  effects: EffectDef[];
}

/** One trigger or effect kind of the catalogue, with the schema of its settings. */
export interface CatalogueEntry {
  key: string;
  label: Label;
  description?: Label;
  schema: JsonSchema | null;
  /** Effects: whether it is only enqueued (email, sms, webhook…) rather than run in the write. */
  leaves_machine?: boolean;
}

export interface RuleCatalogue {
  triggers: CatalogueEntry[];
  effects: CatalogueEntry[];
  recipients: JsonSchema;
}

export interface RuleStats {
  runs: number;
  failures: number;
  last_run_at?: string | null;
  last_error?: string | null;
}

export interface PublishedRule {
  rule: RuleDef;
  stats: RuleStats;
}

/** `POST …/rules/check`: whether a condition compiles, where it does not, and the names it may use. */
export interface ConditionCheck {
  ok: boolean;
  message?: string | null;
  position?: number | null;
  names: string[];
}

export interface DryRunEffect {
  index: number;
  type: string;
  summary: string;
  details?: unknown;
}

export interface DryRun {
  matched: boolean;
  when: boolean | null;
  effects: DryRunEffect[];
  error?: string | null;
}

export interface RuleRun {
  id: number;
  record_id?: number | null;
  trigger: string;
  outcome: string;
  error?: string | null;
  effects?: unknown;
  at: string;
}

/** One function of the expression language (`GET /api/catalog/functions`). */
export interface FunctionInfo {
  name: string;
  category?: string;
  signature?: string;
  doc?: string;
  example?: string;
}

const appPath = (app: string) => `/api/apps/${encodeURIComponent(app)}`;

export const rulesApi = {
  catalogue: (lang: string) => request<RuleCatalogue>("GET", "/api/rules/catalogue", undefined, { lang }),
  functions: () => request<FunctionInfo[]>("GET", "/api/catalog/functions"),
  published: (app: string) => request<{ rules: PublishedRule[] }>("GET", `${appPath(app)}/rules`),
  /** `trigger` is the trigger's kind (`on`): `old.` names exist on updates only. */
  check: (app: string, body: { entity: string; expression: string; trigger?: string }, signal?: AbortSignal) =>
    request<ConditionCheck>("POST", `${appPath(app)}/rules/check`, body, undefined, signal),
  dryRun: (app: string, rule: RuleDef, recordId: number) =>
    request<DryRun>("POST", `${appPath(app)}/rules/dry-run`, { rule, record_id: recordId }),
  runs: (app: string, key: string, page: number) =>
    request<{ items: RuleRun[]; page: number; page_size: number }>(
      "GET",
      `${appPath(app)}/rules/${encodeURIComponent(key)}/runs`,
      undefined,
      { page },
    ),
};
