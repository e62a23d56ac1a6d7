// Page settings: the theme and an optional basemap, from the URL (`?theme=light`,
// `?basemap=URL`) or the build (`VITE_BASEMAP_URL`). The default is a plain background that
// works offline. A basemap must be served by gridtiles' own origin (or the page's
// Content-Security-Policy must allow its origin): a raster tile URL template with {z}/{x}/{y}.
// `?archive=/grid.pmtiles` draws the tiles from a PMTiles archive on the page's origin instead
// of the tile routes (offline use, see archive.ts).

import { archivePath } from './archive';

export type Theme = 'dark' | 'light';

export interface PageConfig {
  theme: Theme;
  basemap: string | null;
  /** A same-origin PMTiles archive to draw the tiles from, if any. */
  archive: string | null;
}

/** The configuration from `search` (the page's query string) and the build environment. */
export function readConfig(search: string, buildBasemap: string | undefined): PageConfig {
  const q = new URLSearchParams(search);
  const theme: Theme = q.get('theme') === 'light' ? 'light' : 'dark';
  const basemap = q.get('basemap') || buildBasemap || null;
  return {
    theme,
    basemap: basemap && basemap.includes('{z}') ? basemap : null,
    archive: archivePath(q.get('archive')),
  };
}
