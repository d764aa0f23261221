// Data loading for pages: one request's state (waiting, data, error) with reload, and session expiry raised to the shell.
import { useCallback, useEffect, useRef, useState } from 'react';
import { SessionExpired } from '../api/client.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** The shell listens for this: an expired session sends the user to sign in, then back here. */
export const sessionEvents = new EventTarget();

export function reportError(e: unknown): void {
  if (e instanceof SessionExpired) sessionEvents.dispatchEvent(new Event('expired'));
}

export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    fnRef.current(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: unknown) => {
        if (ac.signal.aborted) return;
        reportError(error);
        setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => ac.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** An action (a POST): its running state and its error, kept until the next try. */
export function useAction<A extends unknown[], R>(fn: (...a: A) => Promise<R>): { run: (...a: A) => Promise<R | undefined>; busy: boolean; error: unknown; done: R | undefined } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<R>();
  const run = async (...a: A): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fn(...a);
      setDone(r);
      return r;
    } catch (e) {
      reportError(e);
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, done };
}
