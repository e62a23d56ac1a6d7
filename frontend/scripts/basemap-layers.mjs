// The basemap under the grid: style layers for the `basemap` source that gridtiles serves at
// /basemap/{z}/{x}/{y}.mvt (TileJSON /basemap.json). Two layer sets, one per tile schema,
// each tagged with metadata "gridtiles:basemap": "demo" draws the demo city (layers water,
// arterials, streets; `class` major/minor, `name`), "openmaptiles" an OpenMapTiles-schema
// archive (what tilemaker and planetiler write: water, waterway, landcover, landuse, park,
// building, transportation). gridtiles keeps the set matching the basemap it serves when it
// serves a style, and drops the source and every basemap layer when it serves none.
// No text or symbol layers here (street names are labelled by the label layers).

export const BASEMAP_SOURCE = 'basemap';

/** Basemap colours per theme: muted, so the grid stays the brightest thing on the map. */
export const BASEMAP_PALETTES = {
  dark: {
    water: '#0C2740',
    land: '#0E1626',
    park: '#0F2A22',
    building: '#162033',
    minor: '#1E293B',
    major: '#334155',
    casing: '#0B1220',
  },
  light: {
    water: '#BFDBFE',
    land: '#F8FAFC',
    park: '#DCFCE7',
    building: '#E2E8F0',
    minor: '#E5E7EB',
    major: '#CBD5E1',
    casing: '#FFFFFF',
  },
};

const zoomRamp = (stops) => ['interpolate', ['exponential', 1.5], ['zoom'], ...stops.flat()];

function layer(schema, id, type, sourceLayer, props) {
  return {
    id: `basemap-${schema}-${id}`,
    type,
    source: BASEMAP_SOURCE,
    'source-layer': sourceLayer,
    metadata: { 'gridtiles:basemap': schema, 'gridtiles:group': 'basemap' },
    ...props,
  };
}

/** The demo city's basemap layers in palette `p`. */
function demoLayers(p) {
  const street = (id, sourceLayer, minzoom, maxzoom, widths, colour) =>
    layer('demo', id, 'line', sourceLayer, {
      minzoom,
      ...(maxzoom ? { maxzoom } : {}),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': colour, 'line-width': zoomRamp(widths) },
    });
  return [
    layer('demo', 'water', 'fill', 'water', { paint: { 'fill-color': p.water } }),
    street('arterials', 'arterials', 8, 12, [[8, 0.6], [12, 2]], p.major),
    { ...street('minor', 'streets', 12, 0, [[12, 0.8], [16, 6]], p.minor), filter: ['==', ['get', 'class'], 'minor'] },
    { ...street('major', 'streets', 12, 0, [[12, 2], [16, 10]], p.major), filter: ['==', ['get', 'class'], 'major'] },
  ];
}

/** OpenMapTiles-schema basemap layers in palette `p`. */
function omtLayers(p) {
  const cls = (...classes) => ['match', ['get', 'class'], classes, true, false];
  const road = (id, classes, minzoom, widths, colour) =>
    layer('openmaptiles', id, 'line', 'transportation', {
      minzoom,
      filter: cls(...classes),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': colour, 'line-width': zoomRamp(widths) },
    });
  return [
    layer('openmaptiles', 'landcover', 'fill', 'landcover', {
      filter: cls('grass', 'wood', 'farmland'),
      paint: { 'fill-color': p.park, 'fill-opacity': 0.6 },
    }),
    layer('openmaptiles', 'park', 'fill', 'park', { paint: { 'fill-color': p.park } }),
    layer('openmaptiles', 'landuse', 'fill', 'landuse', {
      filter: cls('park', 'cemetery', 'pitch', 'playground'),
      paint: { 'fill-color': p.park },
    }),
    layer('openmaptiles', 'water', 'fill', 'water', { paint: { 'fill-color': p.water } }),
    layer('openmaptiles', 'waterway', 'line', 'waterway', {
      paint: { 'line-color': p.water, 'line-width': zoomRamp([[10, 0.5], [16, 4]]) },
    }),
    layer('openmaptiles', 'building', 'fill', 'building', {
      minzoom: 14,
      paint: { 'fill-color': p.building },
    }),
    road('minor', ['minor', 'service', 'track', 'path'], 12, [[12, 0.6], [16, 6]], p.minor),
    road('secondary', ['secondary', 'tertiary'], 9, [[9, 0.5], [16, 8]], p.major),
    road('major', ['motorway', 'trunk', 'primary'], 5, [[5, 0.5], [16, 12]], p.major),
  ];
}

/** Every basemap layer (both schemas) for the theme named `theme`, bottom first. */
export function basemapLayers(theme) {
  const p = BASEMAP_PALETTES[theme];
  return [...demoLayers(p), ...omtLayers(p)];
}

/** The style source; gridtiles fills in `tiles`, zooms and bounds from /basemap.json. */
export const basemapSource = () => ({ type: 'vector', url: '/basemap.json' });
