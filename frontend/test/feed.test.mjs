// src/app/feed.ts (transpiled on the fly with TypeScript): the live feed lines the
// Operations workspace derives from `/api/events` change events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const source = readFileSync(new URL('../src/app/feed.ts', import.meta.url), 'utf8');
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), 'gridtiles-')), 'feed.mjs');
writeFileSync(file, js);
const { feedItems } = await import(file);

const event = (changes) => ({
  version: 9,
  changes,
  changes_incomplete: false,
  invalidated_tiles: [],
  tiles_incomplete: false,
  collapsed_zooms: [],
  resync: false,
});
const change = (layer, id, kind, attributes = {}, geometry_changed = false) => ({ layer, id, kind, attributes, geometry_changed });

test('outage opened, restored and dispatched; device operated; crew status and moves', () => {
  const items = feedItems(
    event([
      change('outages', 5001, 'insert', { feeder_id: 1000042, cause: 'tree', customers_out: 37, status: 'active' }),
      change('outages', 5000, 'delete'),
      change('outages', 4999, 'update', { status: 'crew_dispatched', crew_id: 7 }),
      change('switches', 3001, 'update', { current_state: 'open' }),
      change('crews', 7, 'update', { status: 'on_site' }),
      change('crews', 8, 'update', {}, true),
    ]),
    1234,
  );
  assert.deepEqual(
    items.map((i) => [i.kind, i.layer, i.id, i.text]),
    [
      ['outage', 'outages', 5001, 'Outage 5001 opened on feeder 1000042 (tree): 37 customers out'],
      ['restored', 'outages', 5000, 'Outage 5000 restored'],
      ['outage', 'outages', 4999, 'Outage 4999 crew_dispatched, crew 7'],
      ['device', 'switches', 3001, 'Switch 3001 open'],
      ['crew', 'crews', 7, 'Crew 7 on site'],
      ['crew', 'crews', 8, 'Crew 8 moved'],
    ],
  );
  assert.ok(items.every((i) => i.at === 1234 && i.version === 9));
});

test('other status updates are summed per layer and status', () => {
  const items = feedItems(
    event([
      change('feeders', 1, 'update', { status: 'de-energized' }),
      change('feeders', 2, 'update', { status: 'de-energized' }),
      change('meters', 3, 'update', { status: 'de-energized' }),
      change('transformers', 4, 'update', { load_pct: 50 }),
    ]),
    0,
  );
  assert.deepEqual(items.map((i) => i.text), ['2 feeders now de-energized', '1 meters now de-energized']);
});
