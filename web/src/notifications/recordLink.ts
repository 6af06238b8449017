import type { Notification } from "../api/messaging";

/** The record page a notification is about, when it names one. */
export function notificationTarget(item: Notification): string | undefined {
  if (!item.app || !item.entity || item.record_id == null) return undefined;
  return `/apps/${encodeURIComponent(item.app)}/${encodeURIComponent(item.entity)}/${item.record_id}`;
}
