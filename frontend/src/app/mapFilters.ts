// Map filters a workspace sets (e.g. Asset Health's "poles under 40"), kept here so a theme
// switch (a new style) can apply them again.

import type { FilterSpecification, Map as MlMap } from 'maplibre-gl';

const filters = new Map<string, FilterSpecification | null>();

/** Sets (or with null, clears) the filter of style layer `layer`. */
export function setLayerFilter(map: MlMap, layer: string, filter: FilterSpecification | null): void {
  filters.set(layer, filter);
  if (map.getLayer(layer)) map.setFilter(layer, filter);
}

/** Applies every filter again (after a style change). */
export function applyMapFilters(map: MlMap): void {
  for (const [layer, filter] of filters) if (map.getLayer(layer)) map.setFilter(layer, filter);
}

/** Poles with a health score under `max` (poles without a score are hidden too). */
export function polesUnder(max: number): FilterSpecification {
  return ['<', ['to-number', ['get', 'health_score'], 101], max];
}
