// The styles in styles/: generated from scripts/theme.mjs (the files on disk match), valid
// for the MapLibre style specification once gridtiles has filled in the source, and using
// feature-state only where MapLibre evaluates it (paint properties).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { THEMES, buildStyle, legend, styleText, withStreetLabels } from '../scripts/theme.mjs';
import { FONT_BOLD, FONT_REGULAR, ICONS } from '../scripts/symbols.mjs';

const onDisk = (theme) => readFileSync(new URL(`../../styles/${theme}.json`, import.meta.url), 'utf8');

/** The style as gridtiles serves it (the placeholder source filled in). */
function served(style) {
  const s = structuredClone(style);
  s.glyphs = `http://127.0.0.1:8080${s.glyphs}`;
  s.sprite = `http://127.0.0.1:8080${s.sprite}`;
  s.sources.gridtiles = {
    type: 'vector',
    tiles: ['http://127.0.0.1:8080/tiles/{z}/{x}/{y}.mvt'],
    minzoom: 5,
    maxzoom: 16,
    bounds: [-95.6, 29.6, -95.2, 29.9],
  };
  return s;
}

/** Every JSON path below `value` at which `['feature-state', …]` appears. */
function featureStatePaths(value, path = []) {
  if (!Array.isArray(value) && (value === null || typeof value !== 'object')) return [];
  if (Array.isArray(value) && value[0] === 'feature-state') return [path.join('.')];
  return Object.entries(value).flatMap(([k, v]) => featureStatePaths(v, [...path, k]));
}

test('styles on disk are what scripts/theme.mjs builds (run `npm run styles`)', () => {
  for (const theme of Object.keys(THEMES)) {
    assert.equal(onDisk(theme), styleText(theme), `styles/${theme}.json is out of date`);
  }
});

test('both themes validate against the style specification', () => {
  for (const theme of Object.keys(THEMES)) {
    const errors = validateStyleMin(served(JSON.parse(onDisk(theme))));
    assert.deepEqual(errors.map((e) => e.message), [], theme);
  }
});

test('the validator catches feature-state in a filter (the check has teeth)', () => {
  const style = served(buildStyle('dark'));
  style.layers[1].filter = ['==', ['feature-state', 'status'], 'fault'];
  assert.notEqual(validateStyleMin(style).length, 0);
});

test('feature-state is used only in paint properties', () => {
  for (const theme of Object.keys(THEMES)) {
    const style = buildStyle(theme);
    const paths = style.layers.flatMap((l, i) => featureStatePaths(l, [`layers.${i}`]));
    assert.ok(paths.length > 10, 'live status and highlights are feature-state driven');
    for (const p of paths) assert.match(p, /^layers\.\d+\.paint\./, p);
  }
});

test('the themes have the same layers, brand colours and a placeholder source', () => {
  const dark = buildStyle('dark');
  const light = buildStyle('light');
  assert.deepEqual(dark.layers.map((l) => l.id), light.layers.map((l) => l.id));
  const text = JSON.stringify(dark);
  assert.ok(text.includes('#0EA5E9') && text.includes('#FBBF24'), 'cyan and amber');
  for (const s of [dark, light]) {
    assert.deepEqual(s.sources.gridtiles, { type: 'vector', url: '/tiles.json' });
    // Same origin: paths gridtiles makes absolute when it serves the style.
    assert.equal(s.glyphs, '/fonts/{fontstack}/{range}.pbf');
    assert.equal(s.sprite, '/sprites/gridtiles');
  }
  const layers = new Set(dark.layers.map((l) => l['source-layer']).filter(Boolean));
  for (const l of ['substations', 'feeders', 'switches', 'transformers', 'poles', 'meters', 'outages', 'crews']) {
    assert.ok(layers.has(l), `a layer draws ${l}`);
  }
});

test('faulted and de-energized feeders are drawn in distinct colours', () => {
  for (const theme of Object.keys(THEMES)) {
    const t = THEMES[theme];
    const colours = new Set([t.fault, t.deEnergized, ...Object.values(t.feeder)]);
    assert.equal(colours.size, 5, theme);
    const feeders = buildStyle(theme).layers.find((l) => l.id === 'feeders');
    const paint = JSON.stringify(feeders.paint['line-color']);
    assert.ok(paint.includes(t.fault) && paint.includes(t.deEnergized));
  }
});

test('line widths and circle radii are interpolated by zoom', () => {
  for (const layer of buildStyle('dark').layers) {
    const p = layer.paint ?? {};
    const size = p['line-width'] ?? p['circle-radius'];
    if (size === undefined) continue;
    assert.equal(size[0], 'interpolate', layer.id);
    assert.deepEqual(size[2], ['zoom'], layer.id);
  }
});

test('the legend names every toggle group with colours of its theme', () => {
  for (const theme of Object.keys(THEMES)) {
    const groups = legend(theme).map(([g]) => g);
    for (const g of ['feeders', 'substations', 'switches', 'transformers', 'poles', 'meters', 'outages', 'crews']) {
      assert.ok(groups.includes(g), `${theme} legend has ${g}`);
    }
    for (const [, entries] of legend(theme)) {
      for (const [, colour] of entries) assert.match(colour, /^#[0-9A-F]{6}$/i);
    }
  }
});

/** Every string a layout property names as `icon-image` (literals and expression outputs). */
function iconNames(value) {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  const [op, ...args] = value;
  if (op === 'match') return args.slice(1).filter((_, i) => i % 2 === 1 || i === args.length - 2).flatMap(iconNames);
  if (op === 'case') return args.filter((_, i) => i % 2 === 1 || i === args.length - 1).flatMap(iconNames);
  return [];
}

const SYMBOL_DIR = new URL('../../styles/sprites/gridtiles/', import.meta.url);
const FONT_NAMES = new Set(['Open Sans Regular', 'Open Sans Bold']); // fonts/OpenSans-*.ttf

test('every icon a style uses is an SVG symbol of the sprite, and every symbol is used', () => {
  const files = readdirSync(SYMBOL_DIR).filter((f) => f.endsWith('.svg')).map((f) => f.slice(0, -4));
  assert.deepEqual([...files].sort(), [...ICONS].sort());
  for (const theme of Object.keys(THEMES)) {
    const used = new Set(buildStyle(theme).layers
      .flatMap((l) => iconNames(l.layout?.['icon-image'])));
    for (const name of used) assert.ok(files.includes(name), `${theme}: icon ${name} has an SVG`);
    for (const name of ICONS) assert.ok(used.has(name), `${theme}: symbol ${name} is drawn`);
    for (const [, entries] of legend(theme)) {
      for (const [, , icon] of entries) if (icon) assert.ok(files.includes(icon), icon);
    }
  }
});

test('labels use fonts gridtiles serves and cover substations, feeders and devices', () => {
  assert.deepEqual([...FONT_REGULAR, ...FONT_BOLD].filter((f) => !FONT_NAMES.has(f)), []);
  for (const theme of Object.keys(THEMES)) {
    const labels = buildStyle(theme).layers.filter((l) => l.layout?.['text-field']);
    for (const l of labels) {
      for (const f of l.layout['text-font']) assert.ok(FONT_NAMES.has(f), `${l.id}: ${f}`);
    }
    const byLayer = Object.fromEntries(labels.map((l) => [l['source-layer'], l]));
    assert.equal(byLayer.substations.layout['text-field'][1], 'name');
    assert.equal(byLayer.switches.minzoom, 15, 'device names at high zoom');
    assert.equal(byLayer.feeders.layout['symbol-placement'], 'line');
    assert.ok(byLayer.feeders.maxzoom <= 14, 'feeder labels while feeders are merged circuits');
  }
});

test('street labels appear only with a vector basemap source, and then validate', () => {
  for (const theme of Object.keys(THEMES)) {
    const built = buildStyle(theme);
    assert.ok(built.layers.some((l) => l.id === 'street-labels'), 'the built style has the basemap source: street labels');
    // The same style without its basemap source (as the server serves it without a basemap).
    const plain = {
      ...built,
      sources: Object.fromEntries(Object.entries(built.sources).filter(([id]) => id !== 'basemap')),
      layers: built.layers.filter((l) => l.source !== 'basemap'),
    };
    assert.equal(withStreetLabels(plain, theme), plain, 'no basemap source: no street labels');
    const withBasemap = served({
      ...plain,
      sources: { ...plain.sources, basemap: { type: 'vector', tiles: ['http://127.0.0.1:8080/basemap/{z}/{x}/{y}.mvt'] } },
    });
    const style = withStreetLabels(withBasemap, theme);
    const streets = style.layers.find((l) => l.id === 'street-labels');
    assert.equal(streets['source-layer'], 'streets');
    assert.deepEqual(streets.layout['text-field'], ['get', 'name']);
    assert.equal(streets.layout['symbol-placement'], 'line');
    assert.deepEqual(validateStyleMin(style).map((e) => e.message), [], theme);
    // A raster basemap (the page's optional outside basemap) gets no street labels.
    const raster = { ...plain, sources: { ...plain.sources, basemap: { type: 'raster', tiles: ['x'] } } };
    assert.equal(withStreetLabels(raster, theme), raster);
  }
});
