// Offline tiles: `?archive=/grid.pmtiles` draws the grid (and the basemap baked with it) from
// one PMTiles archive (`gridtiles bake --basemap`) read in the browser through the `pmtiles`
// protocol, with no request to the server's tile routes (/tiles, /basemap and their
// TileJSON). The archive is a static file on the page's own origin (the CSP allows 'self'
// only), fetched with HTTP range requests: e.g. copied into the front end's directory, which
// gridtiles serves with Range support. The style, glyphs and sprite still come from the
// page's origin.

import maplibregl, { type StyleSpecification } from 'maplibre-gl';
import { PMTiles, Protocol } from 'pmtiles';

let protocol: Protocol | null = null;

/** An archive URL the page accepts: a same-origin path ending in `.pmtiles`. */
export function archivePath(value: string | null): string | null {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  return value.endsWith('.pmtiles') ? value : null;
}

/** What the archive holds: its layer names and bounds. */
export interface ArchiveInfo {
  url: string;
  layers: Set<string>;
  bounds: [number, number, number, number];
}

/** Opens the archive at `path` (same origin) and registers it with MapLibre. */
export async function openArchive(path: string): Promise<ArchiveInfo> {
  if (!protocol) {
    protocol = new Protocol();
    maplibregl.addProtocol('pmtiles', protocol.tile);
  }
  const url = new URL(path, window.location.href).href;
  const archive = new PMTiles(url);
  protocol.add(archive);
  const [header, metadata] = await Promise.all([archive.getHeader(), archive.getMetadata()]);
  const vectorLayers = (metadata as { vector_layers?: { id: string }[] }).vector_layers ?? [];
  return {
    url,
    layers: new Set(vectorLayers.map((l) => l.id)),
    bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
  };
}

/**
 * `style` reading its vector sources from the archive: the grid source, and the basemap
 * source when the archive holds the layers the style draws from it. Layers of a source the
 * archive cannot replace are dropped, so that nothing is requested from the tile routes.
 */
export function useArchive(style: StyleSpecification, info: ArchiveInfo): StyleSpecification {
  const replaced = new Set<string>();
  for (const [name, source] of Object.entries(style.sources)) {
    if (source.type !== 'vector') continue;
    const needed = style.layers
      .filter((l) => 'source' in l && l.source === name && 'source-layer' in l)
      .map((l) => (l as { 'source-layer': string })['source-layer']);
    if (needed.some((layer) => info.layers.has(layer))) {
      style.sources[name] = { type: 'vector', url: `pmtiles://${info.url}` };
      replaced.add(name);
    }
  }
  style.layers = style.layers.filter(
    (l) => !('source' in l) || typeof l.source !== 'string' || replaced.has(l.source)
      || style.sources[l.source]?.type !== 'vector',
  );
  for (const name of Object.keys(style.sources)) {
    if (style.sources[name].type === 'vector' && !replaced.has(name)) delete style.sources[name];
  }
  return style;
}
