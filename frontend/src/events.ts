// The live change stream: subscribes to /api/events (server-sent events), records every
// change event in `window.gridtiles.events`, recolours the changed assets at once with
// feature-state and fetches again only the tiles feature-state cannot fix. EventSource
// reconnects by itself and sends `Last-Event-ID`, so the server replays what was missed; a
// `reset` (the server could not) reloads the tiles. `onChange` hands each event to the
// workspaces' shared state.

import type { Map as MlMap } from 'maplibre-gl';
import { plan, type ChangeEvent, type StaleTiles } from './liveState';
import type { FeatureStates } from './featureStates';
import { SOURCE } from './map';

/** At most this many events are kept in `window.gridtiles.events`. */
export const MAX_KEPT_EVENTS = 500;

type Status = 'connecting' | 'live' | 'reconnecting';

export interface LiveStream {
  /** Received change events, oldest first (bounded). */
  events: ChangeEvent[];
  close(): void;
}

export function startEvents(
  map: MlMap,
  states: FeatureStates,
  stale: StaleTiles,
  onStatus: (s: Status, version?: number) => void,
  onChange: (event: ChangeEvent) => void = () => {},
): LiveStream {
  const events: ChangeEvent[] = [];
  const source = new EventSource('/api/events');
  onStatus('connecting');
  source.addEventListener('open', () => onStatus('live'));
  source.addEventListener('error', () => onStatus('reconnecting'));
  source.addEventListener('hello', (e) => onStatus('live', versionOf(e)));
  source.addEventListener('reset', (e) => {
    states.clearLive();
    stale.revalidateAll();
    map.refreshTiles(SOURCE);
    onStatus('live', versionOf(e));
  });
  source.addEventListener('change', (e) => {
    let event: ChangeEvent;
    try {
      event = JSON.parse((e as MessageEvent<string>).data) as ChangeEvent;
    } catch {
      return;
    }
    events.push(event);
    if (events.length > MAX_KEPT_EVENTS) events.splice(0, events.length - MAX_KEPT_EVENTS);
    apply(map, states, stale, event);
    onStatus('live', event.version);
    onChange(event);
  });
  return { events, close: () => source.close() };
}

/** Applies one change event to the map. */
export function apply(map: MlMap, states: FeatureStates, stale: StaleTiles, event: ChangeEvent): void {
  stale.add(event);
  const tileZoom = Math.max(0, Math.min(16, Math.floor(map.getZoom())));
  const p = plan(event, tileZoom);
  states.applyPlan(p);
  if (p.reloadAll) {
    stale.revalidateAll();
    map.refreshTiles(SOURCE);
  } else if (p.refetch.length > 0) {
    map.refreshTiles(
      SOURCE,
      p.refetch.map((t) => {
        const [z, x, y] = t.split('/').map(Number);
        return { z, x, y };
      }),
    );
  }
}

function versionOf(e: Event): number | undefined {
  try {
    const v = JSON.parse((e as MessageEvent<string>).data).version;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
