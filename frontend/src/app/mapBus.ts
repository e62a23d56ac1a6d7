// The one map, as the workspaces use it: fly to something and highlight it (the `traced`
// feature-state every pickable layer draws), and the picks made by clicking the map.

import type { Map as MlMap } from 'maplibre-gl';
import type { FeatureStates } from '../featureStates';
import type { TraceIds } from '../api';

let map: MlMap | null = null;
let states: FeatureStates | null = null;

export function initMapBus(m: MlMap, s: FeatureStates): void {
  map = m;
  states = s;
}

export function theMap(): MlMap | null {
  return map;
}

type Where = { lon: number | null; lat: number | null; zoom?: number } | { bbox: [number, number, number, number] };

/** Flies the map to a point (or bounds). */
export function flyTo(where: Where): void {
  if (!map) return;
  if ('bbox' in where) {
    const [w, s, e, n] = where.bbox;
    map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 16, duration: 600 });
  } else if (where.lon !== null && where.lat !== null) {
    map.flyTo({ center: [where.lon, where.lat], zoom: Math.max(map.getZoom(), where.zoom ?? 14), duration: 600 });
  }
}

/** Highlights assets (replacing any previous highlight); returns how many. */
export function highlight(items: { layer: string; id: number }[]): number {
  return states ? states.setHighlighted(items) : 0;
}

/** Highlights a trace result. */
export function highlightTrace(ids: TraceIds): number {
  return states ? states.setTraced(ids) : 0;
}

export function clearHighlight(): void {
  states?.clearTraced();
}

/** Selects one asset: fly there and highlight it. */
export function select(layer: string, id: number, lon: number | null, lat: number | null, zoom = 15): void {
  highlight([{ layer, id }]);
  flyTo({ lon, lat, zoom });
}
