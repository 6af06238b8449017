import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { FormPreview } from "../api/types";

/** Typing pauses shorter than this do not ask the server. */
export const PREVIEW_DELAY_MS = 250;
/** How long a save waits for a slow answer before it goes on (the server checks the save anyway). */
const SETTLE_LIMIT_MS = 5000;

export interface LivePreview {
  /** The latest answer, or null before the first one. A failed question keeps the answer before it. */
  preview: FormPreview | null;
  /** Whether the first question has been answered or has failed. */
  settled: boolean;
  /** The change count the latest answer was computed for (see `schedule`). */
  basedOn: number;
  /** Notes a change of the values and returns the change count; the server is asked once they rest. */
  schedule: () => number;
  /**
   * Resolves once the server has answered for the latest change (asking at once if a
   * question waits for a pause), or failed to, or after a few seconds at most: what a
   * save waits for before it validates.
   */
  settle: () => Promise<void>;
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
  /** The change count of the latest question answered (or failed), and who waits for the latest. */
  const answered = useRef(-1);
  const waiting = useRef<(() => void)[]>([]);

  const ask = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = undefined;
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const basedOn = changes.current;
    const done = () => {
      answered.current = basedOn;
      if (basedOn !== changes.current) return;
      const resolve = waiting.current;
      waiting.current = [];
      resolve.forEach((wake) => wake());
    };
    api.preview(app, entity, collectRef.current(), record, controller.signal).then(
      (preview) => {
        if (controller.signal.aborted) return;
        setState({ preview, basedOn, settled: true });
        done();
      },
      () => {
        if (controller.signal.aborted) return;
        setState((current) => ({ ...current, settled: true }));
        done();
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

  const settle = useCallback(() => {
    if (answered.current === changes.current) return Promise.resolve();
    if (timer.current !== undefined) ask();
    return new Promise<void>((resolve) => {
      waiting.current.push(resolve);
      window.setTimeout(resolve, SETTLE_LIMIT_MS);
    });
  }, [ask]);

  return { ...state, schedule, settle };
}
