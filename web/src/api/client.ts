/**
 * Thin fetch wrapper for the Formwork API: bearer token from sessionStorage
 * (per tab, gone when the tab closes: docs/decisions/0004-web-session.md),
 * JSON in and out, problem+json errors raised as ApiError.
 */
import { currentLang } from "../i18n";
import type {
  ActionResult,
  AggregateAnswer,
  AppAccess,
  AppDefinition,
  AppSummary,
  CurrentUser,
  Department,
  FieldTypeInfo,
  FormPreview,
  LoginResponse,
  Page,
  Problem,
  RecordAction,
  RecordData,
  User,
} from "./types";

const TOKEN_KEY = "formwork.token";
const USER_KEY = "formwork.user";

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// Earlier versions kept the token in localStorage, where it outlived the tab
// and was readable by every tab of the origin: drop any such leftover.
localStorage.removeItem(TOKEN_KEY);
localStorage.removeItem(USER_KEY);

export const session = {
  token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  user(): CurrentUser | null {
    const raw = sessionStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as CurrentUser) : null;
  },
  save(login: LoginResponse): void {
    sessionStorage.setItem(TOKEN_KEY, login.access_token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(login.user));
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

/**
 * Log out: end the session on the server (so the token stops working
 * everywhere at once), then forget it here, even if the server could not be
 * reached (the session then ends when it expires).
 */
export async function logout(): Promise<void> {
  const headers = authHeaders();
  try {
    if (headers.Authorization) await fetch("/api/auth/logout", { method: "POST", headers });
  } catch {
    // offline: the local copy is still dropped below
  } finally {
    session.clear();
  }
}

let unauthorizedHandler: () => void = () => undefined;

/** Called when an authenticated call answers 401 (expired or revoked token). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

export function authHeaders(): Record<string, string> {
  const token = session.token();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Problem;
  } catch {
    return { status: res.status, title: res.statusText || text.slice(0, 200) };
  }
}

/** One call of the API; the per-area modules (api/messaging.ts, api/rules.ts, …) build on it. */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  query?: Query,
  signal?: AbortSignal,
  extraHeaders?: Record<string, string>,
): Promise<T> {
  const headers: Record<string, string> = {
    ...extraHeaders,
    Accept: "application/json",
    "Accept-Language": currentLang(),
    ...authHeaders(),
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(withQuery(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) {
    const problem = await readProblem(res);
    if (res.status === 401 && headers.Authorization) {
      session.clear();
      unauthorizedHandler();
    }
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * A fresh `Idempotency-Key`: the server replays its first answer to a retry
 * with the same key instead of writing twice. Callers keep one per
 * submission (see `Submission`), never one per HTTP call: a key made anew for
 * a retry would let the retry write again.
 */
export function newIdempotencyKey(): string {
  // getRandomValues, not randomUUID: the latter needs a secure context (HTTPS).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The key of one submission: a form's save, a dialog's confirmed action, a
 * bulk operation. Pressing Save again after a lost answer (a network error,
 * a closed connection) sends the same request with the same key, so the
 * server answers with what the first one did instead of writing twice. What
 * is sent decides what "the same submission" is: once it changes (the user
 * edited the form) the key is new — the server would refuse the old key with
 * another body anyway — and so it is after a success, as the next save is
 * another submission.
 */
export class Submission {
  private key = newIdempotencyKey();
  private sent: string | undefined;

  /** The key to send `body` with: the last one, unless `body` differs from what it was sent with. */
  keyFor(body: unknown): string {
    const text = JSON.stringify(body) ?? "";
    if (this.sent !== undefined && this.sent !== text) this.key = newIdempotencyKey();
    this.sent = text;
    return this.key;
  }

  /** The submission went through: whatever is sent next is a new one. */
  succeeded(): void {
    this.key = newIdempotencyKey();
    this.sent = undefined;
  }
}

/** The header of a submission's key. */
export const idempotencyHeader = (key: string) => ({ "Idempotency-Key": key });

const recordsPath = (app: string, entity: string) =>
  `/api/apps/${encodeURIComponent(app)}/${encodeURIComponent(entity)}`;

export const api = {
  login: (tenant: string, username: string, password: string) =>
    request<LoginResponse>("POST", "/api/auth/login", { tenant, username, password }),
  users: () => request<User[]>("GET", "/api/users"),
  departments: () => request<Department[]>("GET", "/api/departments"),
  fieldTypes: () => request<FieldTypeInfo[]>("GET", "/api/catalog/field-types"),
  apps: () => request<AppSummary[]>("GET", "/api/apps"),
  definition: (app: string) => request<AppDefinition>("GET", `/api/apps/${encodeURIComponent(app)}/definition`),
  permissions: (app: string) => request<AppAccess>("GET", `/api/apps/${encodeURIComponent(app)}/permissions`),
  listRecords: (app: string, entity: string, query: Query) =>
    request<Page<RecordData>>("GET", recordsPath(app, entity), undefined, query),
  getRecord: (app: string, entity: string, id: number) =>
    request<RecordData>("GET", `${recordsPath(app, entity)}/${id}`),
  /** `key`: the submission's (`Submission.keyFor`), the same for each retry of it. */
  createRecord: (app: string, entity: string, values: Record<string, unknown>, key: string) =>
    request<RecordData>("POST", recordsPath(app, entity), values, undefined, undefined, idempotencyHeader(key)),
  /** `values` carry the `version` the edit started from, so a stale edit answers 409. */
  updateRecord: (app: string, entity: string, id: number, values: Record<string, unknown>) =>
    request<RecordData>("PATCH", `${recordsPath(app, entity)}/${id}`, values),
  aggregate: (app: string, entity: string, query: Query) =>
    request<AggregateAnswer>("GET", `${recordsPath(app, entity)}/aggregate`, undefined, query),
  recordActions: (app: string, entity: string, id: number) =>
    request<{ items: RecordAction[] }>("GET", `${recordsPath(app, entity)}/${id}/actions`),
  /** `key`: the confirmed run's (`Submission.keyFor`), the same for each retry of it. */
  runAction: (app: string, entity: string, id: number, action: string, body: Record<string, unknown>, key: string) =>
    request<ActionResult>(
      "POST",
      `${recordsPath(app, entity)}/${id}/actions/${encodeURIComponent(action)}`,
      body,
      undefined,
      undefined,
      idempotencyHeader(key),
    ),
  /** The live state of a form for `values`; `record` when it edits that record. */
  preview: (app: string, entity: string, values: Record<string, unknown>, record?: number, signal?: AbortSignal) =>
    request<FormPreview>("POST", `${recordsPath(app, entity)}/preview`, values, { record }, signal),
};

/** Where antd Upload posts attachments. */
export const FILES_URL = "/api/files";

const OBJECT_URL_LIFETIME_MS = 60_000;

/** A file's descriptor with a short-lived signed download URL (`GET /api/files/{id}`). */
export interface FileLink {
  id: string;
  name: string;
  size: number;
  content_type: string;
  /** `/api/files/{id}/content?…&sig=…`: works without the bearer token until `expires_at`. */
  url: string;
  expires_at: string;
}

/**
 * The signed download URL of a file, asked with the bearer token. The server
 * answers it only to someone who may read a record and field holding the file.
 */
export function fileLink(fileId: string | number): Promise<FileLink> {
  return request<FileLink>("GET", `${FILES_URL}/${encodeURIComponent(String(fileId))}`);
}

/**
 * Save a file: a fresh signed URL, followed by a plain link. The server always
 * answers it as an attachment, so the page stays where it is.
 */
export async function downloadFile(fileId: string | number, name: string): Promise<void> {
  const link = await fileLink(fileId);
  const anchor = document.createElement("a");
  anchor.href = link.url;
  anchor.download = name;
  anchor.rel = "noopener";
  anchor.click();
}

/** The answer of an import: what it created, or (dry run) how many rows would be. */
/** What one row of an import did (or, in a dry run, would do). */
export interface ImportRowResult {
  row: number;
  status: "created" | "updated" | "unchanged" | "failed";
  id?: number;
  changed?: string[];
}

export interface ImportAnswer {
  created?: number;
  ids?: number[];
  valid?: number;
  updated?: number;
  unchanged?: number;
  failed?: number;
  rows?: ImportRowResult[];
}

/** The file name a Content-Disposition header gives, preferring RFC 5987 `filename*`. */
function dispositionName(header: string | null, fallback: string): string {
  const encoded = header?.match(/filename\*=UTF-8''([^;]+)/i);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = header?.match(/filename="([^"]+)"/i);
  return plain ? plain[1] : fallback;
}

/** Download an export with the bearer token (a plain link cannot send it), saved under the server's name. */
export async function exportRecords(app: string, entity: string, query: Query): Promise<string> {
  const res = await fetch(withQuery(`${recordsPath(app, entity)}/export`, query), {
    headers: { "Accept-Language": currentLang(), ...authHeaders() },
  });
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  const name = dispositionName(res.headers.get("Content-Disposition"), `${entity}.${query.format ?? "xlsx"}`);
  const href = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(href), OBJECT_URL_LIFETIME_MS);
  return name;
}

/** Download the entity's import template (field labels, required marks, dropdowns, an example row). */
export async function downloadImportTemplate(app: string, entity: string, lang: string): Promise<string> {
  const res = await fetch(withQuery(`${recordsPath(app, entity)}/import-template`, { format: "xlsx", lang }), {
    headers: { "Accept-Language": currentLang(), ...authHeaders() },
  });
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  const name = dispositionName(res.headers.get("Content-Disposition"), `${entity}-template.xlsx`);
  const href = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(href), OBJECT_URL_LIFETIME_MS);
  return name;
}

/** Upload a spreadsheet; `dryRun` only checks it. Problems come back as ApiError (422). */
export async function importRecords(
  app: string,
  entity: string,
  file: File,
  dryRun: boolean,
  options: Query = {},
): Promise<ImportAnswer> {
  const body = new FormData();
  body.append("file", file);
  const query = { ...options, dry_run: dryRun ? "true" : undefined };
  const res = await fetch(withQuery(`${recordsPath(app, entity)}/import`, query), {
    method: "POST",
    headers: { Accept: "application/json", "Accept-Language": currentLang(), ...authHeaders() },
    body,
  });
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  return (await res.json()) as ImportAnswer;
}
