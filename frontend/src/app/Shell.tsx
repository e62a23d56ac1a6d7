// The workspace shell: the navigation (one link per workspace, deep links through the
// history API) and the open workspace, loaded on demand (dynamic import) except Operations,
// which is part of the first view; the other chunks are preloaded once the map is idle.

import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { navigate, route, WORKSPACES, type Route, type WorkspaceName } from './router';
import { Operations } from '../workspaces/operations/Operations';

export type WorkspaceProps = { route: Route };
type Loader = () => Promise<ComponentType<WorkspaceProps>>;

const LOADERS: Record<WorkspaceName, Loader> = {
  operations: async () => Operations,
  outages: async () => (await import('../workspaces/outages/Outages')).Outages,
  ami: async () => (await import('../workspaces/ami/Ami')).Ami,
  assets: async () => (await import('../workspaces/assets/Assets')).Assets,
  field: async () => (await import('../workspaces/field/Field')).Field,
  assistant: async () => (await import('../workspaces/assistant/Assistant')).Assistant,
};

const loaded = new Map<WorkspaceName, ComponentType<WorkspaceProps>>([['operations', Operations]]);

/**
 * Fetches every workspace's chunk in the background (after the first view is drawn), so a
 * later switch does not wait behind tile requests for its code.
 */
export function preloadWorkspaces(): void {
  for (const [name, load] of Object.entries(LOADERS) as [WorkspaceName, Loader][]) {
    if (!loaded.has(name)) load().then((c) => loaded.set(name, c), () => {});
  }
}

export function Nav() {
  const current = route.value.workspace;
  return (
    <nav class="ws-nav" aria-label="workspaces">
      {WORKSPACES.map((w) => (
        <a
          key={w.name}
          href={w.path}
          data-workspace={w.name}
          aria-current={w.name === current ? 'page' : undefined}
          onClick={(e) => {
            if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
            e.preventDefault();
            navigate(w.path);
          }}
        >
          {w.label}
        </a>
      ))}
    </nav>
  );
}

export function Workspace() {
  const r = route.value;
  const [, redraw] = useState(0);
  const [failed, setFailed] = useState<string | null>(null);
  const View = loaded.get(r.workspace);
  useEffect(() => {
    if (loaded.has(r.workspace)) return;
    let live = true;
    LOADERS[r.workspace]().then(
      (c) => {
        loaded.set(r.workspace, c);
        if (live) redraw((n) => n + 1);
      },
      (err: unknown) => live && setFailed(String(err)),
    );
    return () => {
      live = false;
    };
  }, [r.workspace]);
  useEffect(() => {
    const label = WORKSPACES.find((w) => w.name === r.workspace)?.label ?? '';
    document.title = `gridtiles — ${label.toLowerCase()}`;
  }, [r.workspace]);
  if (failed) return <p class="error" role="alert">the workspace could not load: {failed}</p>;
  if (!View) return <p class="muted">loading…</p>;
  return (
    <div class="ws" data-workspace={r.workspace}>
      <View route={r} />
    </div>
  );
}
