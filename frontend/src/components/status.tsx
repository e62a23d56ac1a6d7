// Loading, error and "not available on this server" states, and a hook that loads data
// once (or again when its inputs change) and tells these states apart.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'unavailable'; message: string }
  | { state: 'error'; message: string };

/** Runs `load` when `deps` change (keeping the last data while it reloads); a 404 is "unavailable" (an endpoint this server lacks). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setResult((r) => (r.state === 'ok' ? r : { state: 'loading' }));
    load().then(
      (data) => live && setResult({ state: 'ok', data }),
      (err: unknown) => {
        if (!live) return;
        const message = err instanceof Error ? err.message : String(err);
        setResult(err instanceof ApiError && err.status === 404 ? { state: 'unavailable', message } : { state: 'error', message });
      },
    );
    return () => {
      live = false;
    };
  }, deps);
  return result;
}

/** Renders `children(data)` once loaded, or the state. */
export function Show<T>({ value, what, children }: { value: Loaded<T>; what: string; children: (data: T) => ComponentChildren }) {
  switch (value.state) {
    case 'loading':
      return <p class="muted" data-state="loading">loading {what}…</p>;
    case 'unavailable':
      return (
        <p class="unavailable" data-state="unavailable">
          {what}: not available on this server
        </p>
      );
    case 'error':
      return (
        <p class="error" role="alert" data-state="error">
          {what}: {value.message}
        </p>
      );
    default:
      return <>{children(value.data)}</>;
  }
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="ws-section" id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
