// The map styles in styles/ are generated from one layer list and two palettes, so the dark
// operations theme and the light print theme always have the same layers (the page's layer
// toggles and legend rely on it). `npm run styles` (scripts/write-styles.mjs) writes them; the
// style test fails when styles/*.json differ from what this module builds. The page imports
// the legend from here, so this module must stay free of Node APIs.
//
// The vector source carries `"url": "/tiles.json"`: gridtiles rewrites it when it serves the
// style (absolute `tiles` URL, `minzoom`/`maxzoom`, `bounds`), so QGIS and any MapLibre client
// can load /styles/{name}.json directly. Feature-state is used only in paint properties.
// Device symbols and labels (sprite icons, glyphs) come from scripts/symbols.mjs.

import {
  GLYPHS, SPRITE, deviceLayers, gridLabelLayers, streetLabelLayers,
} from './symbols.mjs';

import { BASEMAP_SOURCE, basemapLayers, basemapSource } from './basemap-layers.mjs';

export const SOURCE = 'gridtiles';

/** Brand colours. */
const CYAN = '#0EA5E9';
const AMBER = '#FBBF24';

export const THEMES = {
  dark: {
    name: 'gridtiles dark operations',
    background: '#0B1220',
    feeder: { 12.47: CYAN, 24.9: '#22D3EE', 34.5: '#A78BFA' },
    deEnergized: '#64748B',
    fault: '#EF4444',
    traced: '#F472B6',
    hover: '#FFFFFF',
    outline: '#0B1220',
    substation: AMBER,
    switchClosed: AMBER,
    switchOpen: '#0B1220',
    good: '#22C55E',
    warn: AMBER,
    bad: '#EF4444',
    meter: { residential: '#38BDF8', commercial: '#FB923C', industrial: '#E879F9' },
    crew: { available: '#22C55E', dispatched: AMBER, on_site: CYAN },
    outage: '#EF4444',
    glowOpacity: 0.35,
  },
  light: {
    name: 'gridtiles light print',
    background: '#FFFFFF',
    feeder: { 12.47: '#0369A1', 24.9: '#0E7490', 34.5: '#6D28D9' },
    deEnergized: '#94A3B8',
    fault: '#DC2626',
    traced: '#DB2777',
    hover: '#000000',
    outline: '#FFFFFF',
    substation: '#B45309',
    switchClosed: '#B45309',
    switchOpen: '#FFFFFF',
    good: '#15803D',
    warn: '#CA8A04',
    bad: '#DC2626',
    meter: { residential: '#0284C7', commercial: '#EA580C', industrial: '#A21CAF' },
    crew: { available: '#15803D', dispatched: '#CA8A04', on_site: '#0369A1' },
    outage: '#DC2626',
    glowOpacity: 0.25,
  },
};

/** A live attribute: the feature-state value pushed by /api/events, else the tile's. */
const live = (name) => ['coalesce', ['feature-state', name], ['get', name]];
const traced = ['boolean', ['feature-state', 'traced'], false];
const hovered = ['boolean', ['feature-state', 'hover'], false];
const status = live('status');
/** An asset with an outage: its status is `fault` or `de-energized`. */
const outOfService = ['any', ['==', status, 'fault'], ['==', status, 'de-energized']];

/** A zoom ramp `[[zoom, value], ...]` as an interpolate expression. */
function byZoom(stops) {
  return ['interpolate', ['linear'], ['zoom'], ...stops.flat()];
}

/** The same zoom ramp, each stop's value scaled by `factor` (an expression or a number). */
function byZoomScaled(stops, factor) {
  return byZoom(stops.map(([z, v]) => [z, ['*', v, factor]]));
}

function circle(id, layer, minzoom, paint, group) {
  return {
    id,
    type: 'circle',
    source: SOURCE,
    'source-layer': layer,
    minzoom,
    metadata: { 'gridtiles:group': group },
    paint,
  };
}

/** Colour with the traced and hover highlights on top. */
function highlighted(t, base) {
  return ['case', traced, t.traced, hovered, t.hover, base];
}

/** The style of `theme` (a key of THEMES). */
export function buildStyle(theme) {
  const t = THEMES[theme];
  const feederColour = [
    'case',
    traced, t.traced,
    ['==', status, 'fault'], t.fault,
    ['==', status, 'de-energized'], t.deEnergized,
    ['match', ['to-string', ['get', 'voltage_kv']],
      '24.9', t.feeder[24.9],
      '34.5', t.feeder[34.5],
      t.feeder[12.47]],
  ];
  const feederWidth = byZoomScaled(
    [[5, 0.5], [10, 1], [13, 1.8], [16, 4]],
    ['case', ['==', status, 'fault'], 2.2, traced, 1.8, hovered, 1.6,
      ['==', ['get', 'section'], 'trunk'], 1.4, 1],
  );
  const healthColour = [
    'step', ['to-number', live('health_score'), 100],
    t.bad, 40, t.warn, 70, t.good,
  ];
  const loadColour = [
    'step', ['to-number', live('load_pct'), 0],
    t.good, 80, t.warn, 100, t.bad,
  ];
  const devices = deviceLayers(t, {
    live, highlighted: (base) => highlighted(t, base), outOfService, loadColour, byZoom,
  });
  const layers = [
    { id: 'background', type: 'background', paint: { 'background-color': t.background } },
    ...basemapLayers(theme),
    {
      id: 'feeders-outage',
      type: 'line',
      source: SOURCE,
      'source-layer': 'feeders',
      metadata: { 'gridtiles:group': 'feeders' },
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['case', traced, t.traced, ['==', status, 'fault'], t.fault, t.deEnergized],
        'line-opacity': ['case', ['any', outOfService, traced], t.glowOpacity, 0],
        'line-width': byZoom([[5, 3], [10, 5], [13, 8], [16, 16]]),
        'line-blur': byZoom([[5, 1], [16, 4]]),
      },
    },
    {
      id: 'feeders',
      type: 'line',
      source: SOURCE,
      'source-layer': 'feeders',
      metadata: { 'gridtiles:group': 'feeders' },
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['case', hovered, t.hover, feederColour],
        'line-width': feederWidth,
        'line-opacity': ['case', ['==', status, 'de-energized'], 0.75, 1],
      },
    },
    circle('poles', 'poles', 14, {
      'circle-color': highlighted(t, healthColour),
      'circle-radius': byZoom([[14, 1.5], [16, 3.5]]),
      'circle-stroke-color': t.outline,
      'circle-stroke-width': byZoom([[14, 0], [16, 0.5]]),
    }, 'poles'),
    circle('meters', 'meters', 15, {
      'circle-color': highlighted(t, ['match', ['get', 'customer_class'],
        'commercial', t.meter.commercial,
        'industrial', t.meter.industrial,
        t.meter.residential]),
      'circle-radius': byZoom([[15, 1.8], [16, 3]]),
      'circle-opacity': ['case', ['==', status, 'energized'], 1, 0.45],
      'circle-stroke-color': ['case', outOfService, t.fault, t.outline],
      'circle-stroke-width': ['case', outOfService, 1.2, 0.4],
    }, 'meters'),
    devices.transformers,
    ...devices.switches,
    devices.substations,
    // Crews under outages: a crew on site rings the outage it works on.
    devices.crews,
    circle('outages-halo', 'outages', 5, {
      'circle-color': t.outage,
      'circle-opacity': 0.25,
      'circle-radius': byZoomScaled([[5, 8], [10, 12], [16, 26]],
        ['case', ['>', ['to-number', live('customers_out'), 0], 500], 1.4, 1]),
      'circle-blur': 0.4,
    }, 'outages'),
    devices.outages,
    // Data-quality findings (`quality` layer, a utility's own data): hollow rings to fix.
    circle('quality', 'quality', 0, {
      'circle-color': 'rgba(0, 0, 0, 0)',
      'circle-radius': byZoom([[8, 3], [16, 9]]),
      'circle-stroke-color': t.fault,
      'circle-stroke-width': 2,
    }, 'quality'),
    ...gridLabelLayers(theme, byZoom),
  ];
  return withStreetLabels({
    version: 8,
    name: t.name,
    metadata: { 'gridtiles:theme': theme },
    center: [-95.37, 29.76],
    zoom: 10,
    glyphs: GLYPHS,
    sprite: SPRITE,
    sources: {
      [BASEMAP_SOURCE]: basemapSource(),
      [SOURCE]: { type: 'vector', url: '/tiles.json' },
    },
    layers,
  }, theme);
}

/**
 * `style` with the street-name labels on top when it has a vector `basemap` source (a style
 * must not reference a source it lacks); unchanged otherwise.
 */
export function withStreetLabels(style, theme) {
  if (style.sources.basemap?.type !== 'vector') return style;
  return { ...style, layers: [...style.layers, ...streetLabelLayers(theme)] };
}

/**
 * The legend the page shows, per theme: [group, [[label, colour, icon?], ...]]; `icon` names
 * the sprite symbol drawn in that colour (styles/sprites/gridtiles/{icon}.svg).
 */
export function legend(theme) {
  const t = THEMES[theme];
  return [
    ['feeders', [['12.47 kV', t.feeder[12.47]], ['24.9 kV', t.feeder[24.9]],
      ['34.5 kV', t.feeder[34.5]], ['de-energized', t.deEnergized], ['fault', t.fault]]],
    ['substations', [['substation', t.substation, 'substation']]],
    ['switches', [['breaker', t.switchClosed, 'breaker'], ['recloser', t.switchClosed, 'recloser'],
      ['fuse', t.switchClosed, 'fuse'], ['sectionalizer', t.switchClosed, 'sectionalizer'],
      ['switch closed', t.switchClosed, 'switch-closed'], ['switch open', t.switchClosed, 'switch-open'],
      ['normally-open tie', t.switchClosed, 'tie-open'],
      ['open device (hollow)', t.switchOpen]]],
    ['transformers', [['pole-mounted', t.good, 'transformer-pole'],
      ['pad-mounted', t.good, 'transformer-pad'],
      ['load < 80 %', t.good], ['80–100 %', t.warn], ['> 100 %', t.bad]]],
    ['poles', [['health ≥ 70', t.good], ['40–70', t.warn], ['< 40', t.bad]]],
    ['meters', [['residential', t.meter.residential], ['commercial', t.meter.commercial],
      ['industrial', t.meter.industrial]]],
    ['outages', [['active', t.outage, 'outage'], ['restoring', t.warn, 'outage']]],
    ['crews', [['available', t.crew.available, 'crew-truck'],
      ['dispatched', t.crew.dispatched, 'crew-truck'], ['on site', t.crew.on_site, 'crew-truck']]],
    ['quality', [['data-quality finding', t.fault]]],
    ['highlight', [['traced', t.traced]]],
  ];
}

/** styles/NAME.json as written to disk. */
export function styleText(theme) {
  return JSON.stringify(buildStyle(theme), null, 2) + '\n';
}
