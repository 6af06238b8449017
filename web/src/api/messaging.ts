/**
 * The messaging API (issue 10): the caller's in-app notifications, and for
 * admins the outbound deliveries and the channel settings.
 */
import { request, type Query } from "./client";
import type { Label, LocalizedText } from "./types";

/** One in-app notification of the caller; `app`/`entity`/`record_id` say which record it is about. */
export interface Notification {
  id: number;
  title: string;
  body?: string | null;
  app?: string | null;
  entity?: string | null;
  record_id?: number | null;
  source?: string | null;
  created_at: string;
  read_at?: string | null;
}

export interface NotificationPage {
  items: Notification[];
  unread: number;
  page: number;
  page_size: number;
  total?: number;
}

/** One outbound message (email, SMS, webhook, robot) and how its sending went. */
export interface Delivery {
  id: number;
  channel: string;
  status: string;
  recipient?: string | null;
  source?: string | null;
  app?: string | null;
  entity?: string | null;
  record_id?: number | null;
  attempts: number;
  last_error?: string | null;
  created_at: string;
  sent_at?: string | null;
}

export interface DeliveryAttempt {
  at: string;
  outcome: string;
  error?: string | null;
  status_code?: number | null;
}

/** A delivery in full: what was asked, what it rendered to (for email: subject and body), each attempt. */
export interface DeliveryDetail extends Delivery {
  content?: unknown;
  rendered?: Record<string, unknown> | null;
  attempt_log?: DeliveryAttempt[];
}

export interface DeliveryPage {
  items: Delivery[];
  total?: number;
  page: number;
  page_size: number;
}

/** A JSON schema, as the server's catalogues describe configurations. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  additionalProperties?: boolean | JsonSchema;
  /** Localised titles some catalogues add. */
  "x-label"?: LocalizedText;
  [keyword: string]: unknown;
}

/** A channel (email, sms, …) with its configuration; the secret itself is never sent back. */
export interface Channel {
  key: string;
  label: Label;
  /** The JSON schema of its configuration (the server names it `config_schema`; `schema` in the first contract). */
  config_schema?: JsonSchema | null;
  schema?: JsonSchema | null;
  settings: { config: Record<string, unknown> | null; has_secret: boolean };
}

/** A channel's new settings; `secret` left out keeps the stored one. */
export interface ChannelUpdate {
  config: Record<string, unknown>;
  secret?: string;
}

export const messagingApi = {
  notifications: (query: Query) => request<NotificationPage>("GET", "/api/notifications", undefined, query),
  unread: () => request<{ unread: number }>("GET", "/api/notifications/unread"),
  markRead: (id: number) => request<unknown>("POST", `/api/notifications/${id}/read`),
  markAllRead: () => request<{ updated: number }>("POST", "/api/notifications/read-all"),
  deliveries: (query: Query) => request<DeliveryPage>("GET", "/api/deliveries", undefined, query),
  delivery: (id: number) => request<DeliveryDetail>("GET", `/api/deliveries/${id}`),
  retryDelivery: (id: number) => request<unknown>("POST", `/api/deliveries/${id}/retry`),
  channels: () => request<Channel[]>("GET", "/api/channels"),
  saveChannel: (key: string, update: ChannelUpdate) =>
    request<unknown>("PUT", `/api/channels/${encodeURIComponent(key)}`, update),
};
