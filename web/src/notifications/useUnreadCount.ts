import { useCallback, useEffect, useState } from "react";
import { session } from "../api/client";
import { messagingApi } from "../api/messaging";

/** How often the bell asks for the unread count while the page is open. */
export const UNREAD_POLL_MS = 15_000;

/** Fired on `window` when this tab reads notifications, so every counter on the page catches up at once. */
const CHANGED = "formwork:notifications-changed";

export function announceNotificationsChanged(): void {
  window.dispatchEvent(new Event(CHANGED));
}

/**
 * The caller's unread count: asked now, every 15 s, when the window regains
 * focus and when this tab reads notifications. Stops when signed out (the
 * bell unmounts, and a poll without a token is never sent).
 */
export function useUnreadCount(): { unread: number; refresh: () => void } {
  const [unread, setUnread] = useState(0);
  const refresh = useCallback(() => {
    if (!session.token()) return;
    messagingApi.unread().then(
      (answer) => setUnread(answer.unread),
      // A failed poll keeps the last count; the next one tries again.
      () => undefined,
    );
  }, []);

  useEffect(() => {
    refresh();
    const timer = window.setInterval(refresh, UNREAD_POLL_MS);
    window.addEventListener("focus", refresh);
    window.addEventListener(CHANGED, refresh);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("focus", refresh);
      window.removeEventListener(CHANGED, refresh);
    };
  }, [refresh]);

  return { unread, refresh };
}
