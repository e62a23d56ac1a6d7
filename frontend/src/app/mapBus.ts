// The one map, as the workspaces use it: fly to something and highlight it (the `traced`
// feature-state every pickable layer draws), and the picks made by clicking the map.

import type { Map as MlMap } from 'maplibre-gl';
import { MAX_TRACED, type FeatureStates } from '../featureStates';
import { api, type TraceIds } from '../api';

let map: MlMap | null = null;
let states: FeatureStates | null = null;
/** What a workspace asked for before the map existed (a deep link renders first). */
let pending: (() => void)[] = [];

export function initMapBus(m: MlMap, s: FeatureStates): void {
  map = m;
  states = s;
  m.on('idle', flush);
  flush();
}

/** Runs what waited, once the style can take feature-states (not while one loads). */
function flush(): void {
  if (!map || !map.isStyleLoaded() || pending.length === 0) return;
  const todo = pending;
  pending = [];
  for (const f of todo) f();
}

/** Runs `f` now, or once the map exists and its style is loaded. */
function whenMap(f: () => void): void {
  if (map && map.isStyleLoaded()) f();
  else pending.push(f);
}

export function theMap(): MlMap | null {
  return map;
}

type Where = { lon: number | null; lat: number | null; zoom?: number } | { bbox: [number, number, number, number] };

/** Flies the map to a point (or bounds). */
export function flyTo(where: Where): void {
  if (!map || !map.isStyleLoaded()) {
    pending.push(() => flyTo(where));
    return;
  }
  if ('bbox' in where) {
    const [w, s, e, n] = where.bbox;
    map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 16, duration: 600 });
  } else if (where.lon !== null && where.lat !== null) {
    map.flyTo({ center: [where.lon, where.lat], zoom: Math.max(map.getZoom(), where.zoom ?? 14), duration: 600 });
  }
}

/** Highlights assets (replacing any previous highlight); returns how many. */
export function highlight(items: { layer: string; id: number }[]): number {
  whenMap(() => states?.setHighlighted(items));
  return Math.min(items.length, MAX_TRACED);
}

/** Highlights a trace result; returns how many assets. */
export function highlightTrace(ids: TraceIds): number {
  whenMap(() => states?.setTraced(ids));
  return Math.min(MAX_TRACED, Object.values(ids).reduce((n, l) => n + (l?.length ?? 0), 0));
}

export function clearHighlight(): void {
  whenMap(() => states?.clearTraced());
}

/** Selects one asset: fly there and highlight it. */
export function select(layer: string, id: number, lon: number | null, lat: number | null, zoom = 15): void {
  highlight([{ layer, id }]);
  flyTo({ lon, lat, zoom });
}

/** Flies to an asset (its position from `/api/assets/{id}`) and highlights it. */
export async function selectAsset(layer: string, id: number, zoom = 15): Promise<void> {
  try {
    const a = await api.asset(id);
    const g = a.geometry as { type?: string; coordinates?: number[] } | null;
    const c = g?.type === 'Point' && g.coordinates ? g.coordinates : null;
    select(a.layer, id, c ? c[0] : null, c ? c[1] : null, zoom);
  } catch {
    highlight([{ layer, id }]);
  }
}
