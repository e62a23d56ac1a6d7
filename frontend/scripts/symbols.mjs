// Utility symbology and labels of the styles: device layers drawn with the sprite's icons
// (styles/sprites/gridtiles/*.svg, served by gridtiles at /sprites/gridtiles[@2x].{json,png})
// and text layers drawn with the glyphs gridtiles serves at /fonts. theme.mjs builds the
// styles with these functions; like theme.mjs this module must stay free of Node APIs.
//
// Icons are signed distance fields: the SVG gives the shape, `icon-color` (a feature-state
// expression where the status is live) the state, `icon-halo-color` the outline. An open
// protective device is drawn hollow (background colour inside an amber halo), as the circles
// were. A switch that is not a protective device (a tie) is drawn twice, closed and open, and
// the live `current_state` picks which one is opaque (`icon-opacity`, a paint property), so
// an operation shows with no tile request although `icon-image` cannot read feature-state.
//
// Device symbols ignore collisions (an operator must see every device); labels collide and
// MapLibre drops the ones that do not fit.

/** Glyph and sprite URLs as on disk; gridtiles makes them absolute when it serves a style. */
export const GLYPHS = '/fonts/{fontstack}/{range}.pbf';
export const SPRITE = '/sprites/gridtiles';

/** Fonts the labels use: names `GET /fonts` lists (fonts/OpenSans-*.ttf). */
export const FONT_REGULAR = ['Open Sans Regular'];
export const FONT_BOLD = ['Open Sans Bold'];

/** `device_type` values drawn with their own symbol; any other device is a switch. */
export const PROTECTIVE = ['breaker', 'recloser', 'fuse', 'sectionalizer'];

/** Every icon of the sprite (the SVG file names), in legend order. */
export const ICONS = [
  'substation', 'breaker', 'recloser', 'fuse', 'sectionalizer', 'switch-closed',
  'switch-open', 'tie-open', 'transformer-pole', 'transformer-pad', 'crew-truck', 'outage',
];

/** Label colours per theme (text and the halo that keeps it readable over lines). */
export const LABELS = {
  dark: { text: '#E2E8F0', halo: '#0B1220', street: '#94A3B8', feeder: '#7DD3FC' },
  light: { text: '#1E293B', halo: '#FFFFFF', street: '#475569', feeder: '#0369A1' },
};

function symbol(id, layer, minzoom, group, layout, paint, extra = {}) {
  return {
    id,
    type: 'symbol',
    source: 'gridtiles',
    'source-layer': layer,
    minzoom,
    ...extra,
    metadata: { 'gridtiles:group': group },
    layout,
    paint,
  };
}

/** Layout of a device icon: never hidden by collisions, never hiding a label. */
function icon(image, size) {
  return {
    'icon-image': image,
    'icon-size': size,
    'icon-allow-overlap': true,
    'icon-ignore-placement': true,
  };
}

/**
 * The device layers of theme `t`. `x` holds theme.mjs's expressions: `live(name)`,
 * `highlighted(base)`, `outOfService`, `loadColour`, `byZoom(stops)`.
 */
export function deviceLayers(t, x) {
  const state = x.live('current_state');
  const isOpen = ['==', state, 'open'];
  const deviceType = ['get', 'device_type'];
  const isSwitch = ['!', ['in', deviceType, ['literal', PROTECTIVE]]];
  const switchSize = x.byZoom([[12, 0.55], [14, 0.75], [16, 1.1]]);
  return {
    substations: symbol('substations', 'substations', 5, 'substations',
      icon('substation', x.byZoom([[5, 0.6], [10, 0.8], [16, 1.4]])), {
        'icon-color': x.highlighted(['case', x.outOfService, t.fault, t.substation]),
        'icon-halo-color': t.outline,
        'icon-halo-width': 1.5,
      }),
    switches: [
      // Protective devices by kind, and switches in the closed position.
      symbol('switches', 'switches', 12, 'switches',
        icon(['match', deviceType,
          'breaker', 'breaker',
          'recloser', 'recloser',
          'fuse', 'fuse',
          'sectionalizer', 'sectionalizer',
          'switch-closed'], switchSize), {
          'icon-color': x.highlighted(['case', isOpen, t.switchOpen, t.switchClosed]),
          'icon-halo-color': ['case', isOpen, t.switchClosed, x.outOfService, t.fault, t.outline],
          'icon-halo-width': ['case', isOpen, 2, 1],
          'icon-opacity': ['case', ['all', isSwitch, isOpen], 0, 1],
        }),
      // Switches in the open position; a normally-open tie has its own symbol.
      symbol('switches-open', 'switches', 12, 'switches',
        icon(['case', ['==', ['get', 'normal_state'], 'open'], 'tie-open', 'switch-open'],
          switchSize), {
          'icon-color': x.highlighted(t.switchClosed),
          'icon-halo-color': t.outline,
          'icon-halo-width': 1,
          'icon-opacity': ['case', isOpen, 1, 0],
        }, { filter: isSwitch }),
    ],
    // No mounting attribute in the demo data: pole-mounted unless `mounting` says `pad`.
    transformers: symbol('transformers', 'transformers', 13, 'transformers',
      icon(['match', ['get', 'mounting'], 'pad', 'transformer-pad', 'transformer-pole'],
        x.byZoom([[13, 0.45], [16, 0.95]])), {
        'icon-color': x.highlighted(x.loadColour),
        'icon-halo-color': ['case', x.outOfService, t.fault, t.outline],
        'icon-halo-width': ['case', x.outOfService, 2, 1],
      }),
    crews: symbol('crews', 'crews', 10, 'crews',
      icon('crew-truck', x.byZoom([[10, 0.7], [16, 1.2]])), {
        'icon-color': x.highlighted(['match', x.live('status'),
          'dispatched', t.crew.dispatched,
          'on_site', t.crew.on_site,
          t.crew.available]),
        'icon-halo-color': t.outline,
        'icon-halo-width': 1.5,
      }),
    outages: symbol('outages', 'outages', 5, 'outages',
      icon('outage', x.byZoom([[5, 0.6], [10, 0.8], [16, 1.3]])), {
        'icon-color': x.highlighted(['match', x.live('status'), 'restoring', t.warn, t.outage]),
        'icon-halo-color': t.outline,
        'icon-halo-width': 1.5,
      }),
  };
}

/** Text layout shared by the labels. */
function text(field, font, size, more = {}) {
  return { 'text-field': field, 'text-font': font, 'text-size': size, ...more };
}

function textPaint(colour, halo) {
  return { 'text-color': colour, 'text-halo-color': halo, 'text-halo-width': 1.4 };
}

/**
 * The grid's label layers of `theme`, drawn above every grid layer: feeders along the line
 * while they are merged circuits (below z14), substation names, device names at high zoom.
 */
export function gridLabelLayers(theme, byZoom) {
  const c = LABELS[theme];
  return [
    symbol('feeder-labels', 'feeders', 11, 'feeders',
      text(['to-string', ['coalesce', ['get', 'feeder_name'], ['get', 'feeder_id']]], FONT_REGULAR,
        11, { 'symbol-placement': 'line', 'symbol-spacing': 350 }),
      textPaint(c.feeder, c.halo), { maxzoom: 14 }),
    symbol('substation-labels', 'substations', 9, 'substations',
      text(['get', 'name'], FONT_BOLD, byZoom([[9, 11], [16, 15]]),
        { 'text-anchor': 'top', 'text-offset': [0, 1.1] }),
      textPaint(c.text, c.halo)),
    symbol('device-labels', 'switches', 15, 'switches',
      text(['get', 'name'], FONT_REGULAR, 10,
        { 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-optional': true }),
      textPaint(c.text, c.halo)),
  ];
}

/**
 * Street names of the basemap source (source `basemap`, layer `streets`, attribute `name`).
 * A style must reference only sources it has, so buildStyle adds this only to a style that
 * has a vector `basemap` source.
 */
export function streetLabelLayers(theme) {
  const c = LABELS[theme];
  return [{
    id: 'street-labels',
    type: 'symbol',
    source: 'basemap',
    'source-layer': 'streets',
    minzoom: 13,
    // The demo schema's layer: the server drops it with the layers of another basemap schema.
    metadata: { 'gridtiles:group': 'basemap', 'gridtiles:basemap': 'demo' },
    filter: ['has', 'name'],
    layout: text(['get', 'name'], FONT_REGULAR, 11,
      { 'symbol-placement': 'line', 'symbol-spacing': 300 }),
    paint: textPaint(c.street, c.halo),
  }];
}
