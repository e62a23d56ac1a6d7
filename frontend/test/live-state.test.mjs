// src/liveState.ts (transpiled on the fly with TypeScript): which feature-states a change
// event sets, which tiles are fetched again, and the stale-tile bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const source = readFileSync(new URL('../src/liveState.ts', import.meta.url), 'utf8');
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), 'gridtiles-')), 'liveState.mjs');
writeFileSync(file, js);
const { plan, stateOf, tileKeyOfUrl, StaleTiles, RefreshQueue, SPAN_ZOOM } = await import(file);

const event = (changes, more = {}) => ({
  version: 7,
  changes,
  changes_incomplete: false,
  invalidated_tiles: ['13/1920/3385', '14/3841/6771', '14/3841/6772', '15/7682/13543'],
  tiles_incomplete: false,
  collapsed_zooms: [],
  resync: false,
  ...more,
});
const update = (layer, id, attributes, geometry_changed = false) => ({
  layer, id, kind: 'update', attributes, geometry_changed,
});

test('an attribute change at span zoom only sets feature-state', () => {
  const p = plan(event([update('feeders', 10_000_001, { status: 'fault', feeder_id: 2_000_003, x: null })]), 15);
  assert.deepEqual(p.set, [{ layer: 'feeders', id: 10_000_001, state: { status: 'fault', feeder_id: 2_000_003 } }]);
  assert.deepEqual(p.remove, []);
  assert.deepEqual(p.refetch, []);
  assert.equal(p.reloadAll, false);
});

test('below span zoom the merged feeder tiles of the current zoom are fetched again', () => {
  const p = plan(event([update('feeders', 10_000_001, { status: 'fault' })]), 13);
  assert.deepEqual(p.refetch, ['13/1920/3385']);
  assert.equal(SPAN_ZOOM, 14);
});

test('inserts, deletes and moves fetch the invalidated tiles of the current zoom', () => {
  const ins = { layer: 'outages', id: 70_000_001, kind: 'insert', attributes: { status: 'active' }, geometry_changed: true };
  const del = { layer: 'outages', id: 70_000_000, kind: 'delete', attributes: {}, geometry_changed: true };
  const p = plan(event([ins, del]), 14);
  assert.deepEqual(p.set.map((s) => s.id), [70_000_001]);
  assert.deepEqual(p.remove, [{ layer: 'outages', id: 70_000_000 }]);
  assert.deepEqual(p.refetch, ['14/3841/6771', '14/3841/6772']);
  const moved = plan(event([update('crews', 60_000_001, { status: 'on_site' }, true)]), 15);
  assert.deepEqual(moved.refetch, ['15/7682/13543']);
});

test('incomplete lists or a collapsed zoom reload the whole source', () => {
  const ch = [update('poles', 20_000_001, { health_score: 12 }, true)];
  assert.equal(plan(event(ch, { tiles_incomplete: true }), 15).reloadAll, true);
  assert.equal(plan(event(ch, { collapsed_zooms: [15] }), 15).reloadAll, true);
  assert.equal(plan(event(ch, { collapsed_zooms: [12] }), 15).reloadAll, false);
  assert.equal(plan(event([], { changes_incomplete: true }), 16).reloadAll, true);
});

test('feature-state keeps scalar attributes only', () => {
  assert.deepEqual(stateOf({ a: 'x', b: 2, c: true, d: null, e: [1], f: { g: 1 } }), { a: 'x', b: 2, c: true });
});

test('tile keys are read from tile URLs', () => {
  assert.equal(tileKeyOfUrl('http://h:1/tiles/14/3841/6771.mvt'), '14/3841/6771');
  assert.equal(tileKeyOfUrl('http://h:1/tiles/14/3841/6771.mvt?layers=feeders'), '14/3841/6771');
  assert.equal(tileKeyOfUrl('http://h:1/tiles.json'), null);
});

test('stale tiles bypass the HTTP cache once; overflow revalidates all for a window', () => {
  let now = 1000;
  const stale = new StaleTiles(3, 60_000, () => now);
  stale.add(event([], { invalidated_tiles: ['14/1/2'] }));
  assert.equal(stale.take('http://h/tiles/14/1/2.mvt'), true);
  assert.equal(stale.take('http://h/tiles/14/1/2.mvt'), false, 'only once');
  assert.equal(stale.take('http://h/tiles/14/1/3.mvt'), false);
  stale.add(event([], { invalidated_tiles: ['1/0/0', '2/0/0', '3/0/0', '4/0/0'] }));
  assert.equal(stale.take('http://h/tiles/9/9/9.mvt'), true, 'over the cap: everything');
  now += 60_001;
  assert.equal(stale.take('http://h/tiles/9/9/9.mvt'), false, 'window over');
  stale.add(event([], { tiles_incomplete: true, invalidated_tiles: [] }));
  assert.equal(stale.take('http://h/tiles/9/9/9.mvt'), true);
});

test('refetches are coalesced per interval and wait for the map to load', () => {
  const timers = [];
  const waits = [];
  const refreshed = [];
  let loaded = true;
  const q = new RefreshQueue(
    (tiles) => refreshed.push(tiles === null ? 'all' : tiles.map((t) => `${t.z}/${t.x}/${t.y}`).sort()),
    () => loaded,
    (then) => waits.push(then),
    750,
    (then, ms) => timers.push({ then, ms }),
  );
  q.add(['14/1/2', '14/1/3']);
  q.add(['14/1/2', 'junk', '14/9/9']);
  assert.equal(timers.length, 1, 'one timer for the interval');
  assert.equal(timers[0].ms, 750);
  assert.equal(q.size, 3, 'duplicates and junk dropped');
  timers.shift().then();
  assert.deepEqual(refreshed, [['14/1/2', '14/1/3', '14/9/9']]);
  assert.equal(q.size, 0);
  // While the map is loading, the refresh waits for it once, then goes ahead.
  q.add(['15/0/0']);
  loaded = false;
  timers.shift().then();
  assert.equal(refreshed.length, 1, 'waiting for the map');
  q.add(['15/0/1']);
  assert.equal(timers.length, 0, 'no second timer while one refresh is pending');
  waits.shift()();
  assert.deepEqual(refreshed[1], ['15/0/0', '15/0/1']);
  // A reload of everything wins over single tiles.
  loaded = true;
  q.add(['3/1/1']);
  q.addAll();
  timers.shift().then();
  assert.deepEqual(refreshed[2], 'all');
  q.add([]);
  assert.equal(timers.length, 0, 'nothing queued: no timer');
});
