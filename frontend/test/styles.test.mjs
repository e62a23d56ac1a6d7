// The styles in styles/: generated from scripts/theme.mjs (the files on disk match), valid
// for the MapLibre style specification once gridtiles has filled in the source, and using
// feature-state only where MapLibre evaluates it (paint properties).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { THEMES, buildStyle, legend, styleText } from '../scripts/theme.mjs';

const onDisk = (theme) => readFileSync(new URL(`../../styles/${theme}.json`, import.meta.url), 'utf8');

/** The style as gridtiles serves it (the placeholder source filled in). */
function served(style) {
  const s = structuredClone(style);
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
    assert.equal(s.glyphs, undefined, 'no glyphs: nothing from another origin');
    assert.equal(s.sprite, undefined, 'no sprite');
    assert.ok(!s.layers.some((l) => l.type === 'symbol'), 'no text layers');
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
