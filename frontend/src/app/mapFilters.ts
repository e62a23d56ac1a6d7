// Map filters a workspace sets (e.g. Asset Health's "poles under 40"), kept here so a theme
// switch (a new style) can apply them again.

import type { FilterSpecification, Map as MlMap } from 'maplibre-gl';

const filters = new Map<string, FilterSpecification | null>();

/** Sets (or with null, clears) the filter of style layer `layer`. */
export function setLayerFilter(map: MlMap, layer: string, filter: FilterSpecification | null): void {
  filters.set(layer, filter);
  apply(map, layer, filter);
}

/** Applies every filter again (after a style change). */
export function applyMapFilters(map: MlMap): void {
  for (const [layer, filter] of filters) apply(map, layer, filter);
}

/**
 * Sets the filter only when it differs from the layer's: MapLibre reloads every tile of the
 * layer's source on any `setFilter` that is not deep-equal — `null` over no filter included —
 * and with one vector source for the whole grid that is a re-parse and redraw of the whole
 * view (1–2 s with software rendering, e.g. on each visit to Asset Health, which clears the
 * poles filter when it opens and when it closes).
 */
function apply(map: MlMap, layer: string, filter: FilterSpecification | null): void {
  if (!map.getLayer(layer)) return;
  if (JSON.stringify(map.getFilter(layer) ?? null) === JSON.stringify(filter ?? null)) return;
  map.setFilter(layer, filter);
}

/** Poles with a health score under `max` (poles without a score are hidden too). */
export function polesUnder(max: number): FilterSpecification {
  return ['<', ['to-number', ['get', 'health_score'], 101], max];
}
