import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { FormPreview } from "../api/types";

/** Typing pauses shorter than this do not ask the server. */
export const PREVIEW_DELAY_MS = 250;

export interface LivePreview {
  /** The latest answer, or null before the first one. A failed question keeps the answer before it. */
  preview: FormPreview | null;
  /** Whether the first question has been answered or has failed. */
  settled: boolean;
  /** The change count the latest answer was computed for (see `schedule`). */
  basedOn: number;
  /** Notes a change of the values and returns the change count; the server is asked once they rest. */
  schedule: () => number;
}

/**
 * The live state of a form from `POST …/preview`: asked at once when the form
 * opens, then after each pause in editing. A newer question aborts the one in
 * flight, so an old answer never overwrites a newer one.
 */
export function useFormPreview(
  app: string,
  entity: string,
  record: number | undefined,
  collect: () => Record<string, unknown>,
): LivePreview {
  const [state, setState] = useState({ preview: null as FormPreview | null, basedOn: 0, settled: false });
  const collectRef = useRef(collect);
  collectRef.current = collect;
  const changes = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  const inFlight = useRef<AbortController | null>(null);

  const ask = useCallback(() => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const basedOn = changes.current;
    api.preview(app, entity, collectRef.current(), record, controller.signal).then(
      (preview) => {
        if (!controller.signal.aborted) setState({ preview, basedOn, settled: true });
      },
      () => {
        if (!controller.signal.aborted) setState((current) => ({ ...current, settled: true }));
      },
    );
  }, [app, entity, record]);

  useEffect(() => {
    ask();
    return () => {
      window.clearTimeout(timer.current);
      inFlight.current?.abort();
    };
  }, [ask]);

  const schedule = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(ask, PREVIEW_DELAY_MS);
    return ++changes.current;
  }, [ask]);

  return { ...state, schedule };
}
