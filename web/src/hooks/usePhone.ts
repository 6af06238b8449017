import { useSyncExternalStore } from "react";

/**
 * The widest screen laid out for a phone (px): card lists instead of tables,
 * bottom action bars, one-column forms. styles.css uses the same width.
 */
export const PHONE_MAX_WIDTH = 599;

const QUERY = `(max-width: ${PHONE_MAX_WIDTH}px)`;

function subscribe(onChange: () => void): () => void {
  const media = window.matchMedia(QUERY);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}

/** Whether the screen is a phone's now; follows rotation and window resizes. */
export function usePhone(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(QUERY).matches,
    () => false,
  );
}
