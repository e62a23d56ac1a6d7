// The live change stream: subscribes to /api/events (server-sent events), records every
// change event in `window.gridtiles.events`, recolours the changed assets at once with
// feature-state and fetches again only the tiles feature-state cannot fix, coalesced
// (`RefreshQueue`: one refresh per interval, after the last one loaded). EventSource
// reconnects by itself and sends `Last-Event-ID`, so the server replays what was missed; a
// `reset` (the server could not) reloads the tiles. `onChange` hands each event to the
// workspaces' shared state.

import type { Map as MlMap } from 'maplibre-gl';
import { plan, RefreshQueue, type ChangeEvent, type StaleTiles } from './liveState';
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
  const refetch = refreshQueue(map);
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
    apply(map, states, stale, refetch, event);
    onStatus('live', event.version);
    onChange(event);
  });
  return { events, close: () => source.close() };
}

/** Longest wait for the map to finish loading before a refresh goes ahead anyway (ms). */
const MAX_LOAD_WAIT_MS = 5_000;

/** The map's refresh queue: refreshes the grid source's tiles. */
function refreshQueue(map: MlMap): RefreshQueue {
  return new RefreshQueue(
    (tiles) => (tiles === null ? map.refreshTiles(SOURCE) : map.refreshTiles(SOURCE, tiles)),
    () => map.areTilesLoaded(),
    (then) => {
      let done = false;
      const go = () => {
        if (done) return;
        done = true;
        then();
      };
      map.once('idle', go);
      setTimeout(go, MAX_LOAD_WAIT_MS);
    },
  );
}

/** Applies one change event to the map: feature-states now, tiles through `refetch`. */
export function apply(
  map: MlMap,
  states: FeatureStates,
  stale: StaleTiles,
  refetch: RefreshQueue,
  event: ChangeEvent,
): void {
  stale.add(event);
  const tileZoom = Math.max(0, Math.min(16, Math.floor(map.getZoom())));
  const p = plan(event, tileZoom);
  states.applyPlan(p);
  if (p.reloadAll) {
    stale.revalidateAll();
    refetch.addAll();
  } else if (p.refetch.length > 0) {
    refetch.add(p.refetch);
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
