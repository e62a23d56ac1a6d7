// The MapLibre map: created from a served style (/styles/{theme}.json, whose source carries
// this server's tile URL), theme switching that keeps layer visibility and live state, the
// optional basemap, the optional offline archive (archive.ts: tiles from a PMTiles file
// instead of the tile routes), and the request hook that bypasses the HTTP cache for stale
// tiles.

import maplibregl, { type Map as MlMap, type StyleSpecification } from 'maplibre-gl';
import { openArchive, useArchive, type ArchiveInfo } from './archive';
import type { PageConfig, Theme } from './config';
import type { StaleTiles } from './liveState';
import { tileJson } from './opsApi';

export const SOURCE = 'gridtiles';
// Not 'basemap': that is the served styles' vector basemap source.
const BASEMAP = 'raster-basemap';

/** The offline archive the tiles come from (`?archive=`), once opened. */
let archive: ArchiveInfo | null = null;

/** The style of `theme`, with the basemap (if any) under the grid. */
export async function loadStyle(theme: Theme, basemap: string | null): Promise<StyleSpecification> {
  const res = await fetch(`/styles/${theme}.json`);
  if (!res.ok) throw new Error(`style ${theme}: HTTP ${res.status}`);
  let style = (await res.json()) as StyleSpecification;
  if (archive) style = useArchive(style, archive);
  if (basemap) {
    style.sources[BASEMAP] = { type: 'raster', tiles: [basemap], tileSize: 256 };
    const at = style.layers.findIndex((l) => l.type !== 'background');
    style.layers.splice(at < 0 ? style.layers.length : at, 0, {
      id: BASEMAP,
      type: 'raster',
      source: BASEMAP,
      paint: { 'raster-opacity': theme === 'dark' ? 0.5 : 0.8 },
    });
  }
  return style;
}

/** The tile set's bounds (`/tiles.json`), to open on the whole territory. */
export async function territory(): Promise<[number, number, number, number] | null> {
  return (await tileJson())?.bounds ?? null;
}

/** Creates the map in `container`, showing the whole territory. */
export async function createMap(
  container: HTMLElement,
  config: PageConfig,
  stale: StaleTiles,
): Promise<MlMap> {
  // Start MapLibre's worker now: compiling its script overlaps the style and bounds fetches
  // instead of following them (~100 ms of a cold load on two cores).
  maplibregl.prewarm();
  if (config.archive) archive = await openArchive(config.archive);
  // Style and bounds in parallel: the first tiles requested are the ones the view needs.
  const [style, bounds] = await Promise.all([
    loadStyle(config.theme, config.basemap),
    archive ? archive.bounds : territory().catch(() => null),
  ]);
  const map = new maplibregl.Map({
    container,
    style,
    ...(bounds ? { bounds, fitBoundsOptions: { padding: 20 } } : { center: [-95.37, 29.76], zoom: 9.5 }),
    maxZoom: 19,
    attributionControl: { compact: true },
    // Stale tiles (see liveState.StaleTiles) skip the browser's HTTP cache once.
    transformRequest: (url, kind) =>
      kind === 'Tile' && stale.take(url) ? { url, cache: 'no-cache' } : { url },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

/** Switches to `theme`, then calls `restore` (layer visibility, feature-states). */
export async function switchTheme(
  map: MlMap,
  theme: Theme,
  basemap: string | null,
  restore: () => void,
): Promise<void> {
  const style = await loadStyle(theme, basemap);
  map.once('style.load', restore);
  map.setStyle(style, { diff: true });
  // A diffed style change may not fire `style.load`: restore once the map is idle as well.
  map.once('idle', restore);
}
