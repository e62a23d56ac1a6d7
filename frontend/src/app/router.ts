// Routes of the operator workspaces: parsed from the URL path (deep links) and changed with
// the history API, so a reload or a shared link opens the same workspace and selection.

import { signal } from '@preact/signals';

export type WorkspaceName = 'operations' | 'outages' | 'ami' | 'assets' | 'field' | 'assistant';

export const WORKSPACES: { name: WorkspaceName; label: string; path: string }[] = [
  { name: 'operations', label: 'Operations', path: '/operations' },
  { name: 'outages', label: 'Outages', path: '/outages' },
  { name: 'ami', label: 'AMI', path: '/ami' },
  { name: 'assets', label: 'Asset health', path: '/assets' },
  { name: 'field', label: 'Field', path: '/field' },
  { name: 'assistant', label: 'Assistant', path: '/assistant' },
];

export const AMI_SCOPES = ['meter', 'transformer', 'feeder', 'substation', 'system'] as const;
export type AmiScope = (typeof AMI_SCOPES)[number];

/** A parsed route: the workspace, the rest of the path and the query. */
export interface Route {
  workspace: WorkspaceName;
  /** Path segments after the workspace (`/ami/feeder/12` → `['feeder', '12']`). */
  rest: string[];
  query: URLSearchParams;
}

/** Parses a path and query string; unknown paths open Operations. */
export function parseRoute(pathname: string, search: string): Route {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const first = segments[0] ?? 'operations';
  const known = WORKSPACES.find((w) => w.name === first);
  return {
    workspace: known ? known.name : 'operations',
    rest: known ? segments.slice(1) : [],
    query: new URLSearchParams(search),
  };
}

/** The current route. */
export const route = signal<Route>(parseRoute(location.pathname, location.search));

/** Keeps the query parameters the whole page uses (the theme, the basemap). */
function withPageParams(url: URL): string {
  const current = new URLSearchParams(location.search);
  for (const k of ['theme', 'basemap']) {
    const v = current.get(k);
    if (v !== null && !url.searchParams.has(k)) url.searchParams.set(k, v);
  }
  return url.pathname + url.search;
}

/** Goes to `path` (with its query), pushing a history entry unless `replace`. */
export function navigate(path: string, replace = false): void {
  const url = new URL(path, location.origin);
  const target = withPageParams(url);
  if (target === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  route.value = parseRoute(url.pathname, url.search);
}

/** Follows the browser's back and forward buttons. */
export function startRouter(): void {
  window.addEventListener('popstate', () => {
    route.value = parseRoute(location.pathname, location.search);
  });
}

/** The numeric id in `rest[i]`, or null. */
export function idAt(rest: string[], i: number): number | null {
  const s = rest[i];
  if (s === undefined || !/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
