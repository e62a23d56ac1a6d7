// The operations map in a real browser: headless Debian Chromium (playwright-core) against
// the release server with the demo grid and the simulator (`--simulate
// --simulate-interval-ms 500`). Checks: no console errors and no request to another origin
// under the real Content-Security-Policy; the served styles (and their static variants)
// validate; feeders render at z12 and meters at z16 over the city centre; KPI cards show numbers; a click opens an asset's
// details and a trace highlights by feature-state; a change pushed by the server recolours
// its feature within 2 s. Screenshots of both themes go to target/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { REPO, startServer } from './server.mjs';
import { launch } from './browser.mjs';
import { liveRefusal } from './live-refusals.mjs';

const ARTIFACTS = process.env.GRIDTILES_ARTIFACTS ?? `${REPO}target/artifacts`;
const SERVER_ARGS = ['--simulate', '--simulate-interval-ms', '500'];

let server;
let browser;
let page;
let centre;
let bounds;
const consoleErrors = [];
const foreignRequests = [];
const failedRequests = [];
const errorResponses = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer(SERVER_ARGS);
  const tilejson = await (await fetch(`${server.url}/tiles.json`)).json();
  centre = tilejson.center.slice(0, 2);
  bounds = tilejson.bounds;
  browser = await launch();
  page = browser.page;
  const origin = new URL(server.url).origin;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs a 4xx as a console error; only the live refusals are allowed.
    const status = Number(/status of (\d+)/.exec(m.text())?.[1]);
    if (m.location()?.url && liveRefusal(status, m.location().url)) return;
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin) {
      foreignRequests.push(u);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !liveRefusal(r.status(), r.url())) errorResponses.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    // The event stream is cut when the page goes away; anything else is a failure.
    if (!r.url().includes('/api/events')) failedRequests.push(`${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.gridtiles?.ready === true, null, { timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  const code = await server?.stop();
  assert.equal(code, 0, 'the server stops cleanly on SIGTERM');
});

/** Moves the map and waits until every tile is loaded and drawn. */
async function view(lonlat, zoom) {
  await page.evaluate(
    ([c, z]) =>
      new Promise((resolve) => {
        const map = window.gridtiles.map;
        map.once('idle', resolve);
        map.jumpTo({ center: c, zoom: z });
      }),
    [lonlat, zoom],
  );
}

const rendered = (layer) =>
  page.evaluate((l) => window.gridtiles.map.queryRenderedFeatures({ layers: [l] }).length, layer);

test('the page loads under the CSP with no console error and nothing from another origin', async () => {
  const res = await fetch(server.url);
  assert.match(res.headers.get('content-security-policy'), /default-src 'self'/);
  assert.equal(await page.title(), 'gridtiles — operations');
  assert.deepEqual(errorResponses, []);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(failedRequests, []);
});

test('the served styles validate against the style specification', async () => {
  for (const theme of ['dark', 'light']) {
    const style = await (await fetch(`${server.url}/styles/${theme}.json`)).json();
    assert.deepEqual(validateStyleMin(style).map((e) => e.message), [], theme);
    assert.deepEqual(style.sources.gridtiles.tiles, [`${server.url}/tiles/{z}/{x}/{y}.mvt`]);
    assert.equal(style.sources.gridtiles.maxzoom, 16);
    // The static variant for QGIS (one layer per branch, pre-coloured icons) is a valid
    // MapLibre style too.
    const fixed = await (await fetch(`${server.url}/styles/${theme}.json?client=static`)).json();
    assert.deepEqual(validateStyleMin(fixed).map((e) => e.message), [], `${theme} static`);
    assert.equal(fixed.sprite, `${server.url}/sprites/gridtiles+${theme}`);
  }
});

test('feeders render at z12 and meters at z16 over the city centre', async () => {
  await view(centre, 12);
  assert.ok((await rendered('feeders')) > 50, 'feeders at z12');
  assert.equal(await rendered('meters'), 0, 'no meters at z12');
  await view(centre, 16);
  assert.ok((await rendered('meters')) > 10, 'meters at z16');
  assert.ok((await rendered('poles')) > 0, 'poles at z16');
});

test('KPI cards show numbers', async () => {
  await page.waitForFunction(() => document.getElementById('kpis').dataset.updated, null, { timeout: 15_000 });
  for (const k of ['saidi', 'saifi', 'outages', 'load']) {
    const v = await page.textContent(`[data-kpi="${k}"] .kpi-value`);
    assert.match(v, /^[\d,.]+$/, `${k}: ${v}`);
  }
});

test('clicking an asset opens its details; a trace highlights by feature-state', async () => {
  await view(centre, 16);
  const target = await page.evaluate(() => {
    // The transformer nearest the middle of the map (features in the tile buffer lie
    // outside the canvas).
    const map = window.gridtiles.map;
    const { width, height } = map.getCanvas().getBoundingClientRect();
    const near = (p) => Math.hypot(p.x - width / 2, p.y - height / 2);
    const found = map
      .queryRenderedFeatures({ layers: ['transformers'] })
      .map((f) => ({ id: f.id, p: map.project(f.geometry.coordinates) }))
      .sort((a, b) => near(a.p) - near(b.p))[0];
    return { id: found.id, x: found.p.x, y: found.p.y };
  });
  const box = await page.locator('#map').boundingBox();
  await page.mouse.move(box.x + target.x, box.y + target.y);
  await page.waitForSelector('#tooltip:not([hidden])', { timeout: 5_000 });
  await page.mouse.click(box.x + target.x, box.y + target.y);
  await page.waitForFunction(
    (id) => {
      const d = document.getElementById('details');
      return !d.hidden && d.dataset.assetId === String(id) && d.querySelector('table');
    },
    target.id,
    { timeout: 10_000 },
  );
  const title = await page.textContent('#details h2');
  assert.equal(title, `transformers ${target.id}`);
  assert.match(await page.textContent('#details table'), /kva/);
  await page.waitForSelector('#details .ami canvas', { timeout: 10_000 });

  await page.click('#details button[data-direction="upstream"]');
  await page.waitForFunction(() => Number(document.getElementById('details').dataset.traced) > 0, null, {
    timeout: 10_000,
  });
  const state = await page.evaluate(
    (id) => window.gridtiles.map.getFeatureState({ source: 'gridtiles', sourceLayer: 'transformers', id }),
    target.id,
  );
  assert.equal(state.traced, true);
});

test('a change pushed by the server recolours its feature within 2 s', async (t) => {
  // Listen to the stream from here too: the time this process sees an event is the time the
  // server pushed it (same machine).
  const stream = await fetch(`${server.url}/api/events`);
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type'), /text\/event-stream/);
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let pushed = null;
  const deadline = Date.now() + 20_000;
  while (!pushed && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    for (const block of buffered.split('\n\n').slice(0, -1)) {
      if (!/^event: change$/m.test(block)) continue;
      const data = JSON.parse(/^data: (.*)$/m.exec(block)[1]);
      const change = data.changes.find((c) => c.kind !== 'delete' && typeof c.attributes.status === 'string');
      if (change) {
        pushed = { at: Date.now(), version: data.version, change };
        break;
      }
    }
    buffered = buffered.slice(buffered.lastIndexOf('\n\n') + 2);
  }
  await reader.cancel();
  assert.ok(pushed, 'the simulator pushed a status change');
  const { layer, id, attributes } = pushed.change;
  await page.waitForFunction(
    ([l, i, s]) =>
      window.gridtiles.map.getFeatureState({ source: 'gridtiles', sourceLayer: l, id: i }).status === s,
    [layer, id, attributes.status],
    { timeout: 5_000, polling: 20 },
  );
  const latency = Date.now() - pushed.at;
  t.diagnostic(`${layer} ${id} status ${attributes.status}: feature-state ${latency} ms after the push`);
  assert.ok(latency < 2_000, `feature-state applied ${latency} ms after the push`);
  const seen = await page.evaluate((v) => window.gridtiles.events.some((e) => e.version === v), pushed.version);
  assert.ok(seen, 'the event is in window.gridtiles.events');
});

/** Screenshots over the city centre at z12, z15 and z17: basemap, labels and symbols drawn. */
async function zoomShots(theme) {
  const expected = {
    12: ['basemap-demo-major', 'feeders', 'substation-labels'],
    15: ['basemap-demo-minor', 'street-labels', 'transformers', 'switches'],
    17: ['basemap-demo-minor', 'street-labels', 'meters', 'device-labels'],
  };
  for (const [zoom, layers] of Object.entries(expected)) {
    await view(centre, Number(zoom));
    for (const layer of layers) {
      assert.ok((await rendered(layer)) > 0, `${theme} z${zoom}: ${layer} drawn`);
    }
    await page.screenshot({ path: `${ARTIFACTS}/frontend-${theme}-z${zoom}.png` });
  }
}

test('screenshots of the dark and light themes', async () => {
  await page.evaluate(() => {
    document.getElementById('details').hidden = true;
  });
  // The whole territory: outages, crews and de-energized feeders are all in view.
  await page.evaluate(
    (b) =>
      new Promise((resolve) => {
        const map = window.gridtiles.map;
        map.once('idle', resolve);
        map.fitBounds(b, { padding: 20, animate: false });
      }),
    bounds,
  );
  await page.screenshot({ path: `${ARTIFACTS}/frontend-dark.png` });
  await zoomShots('dark');
  const liveBefore = await page.evaluate(() => window.gridtiles.events.length);
  await page.selectOption('#theme', 'light');
  await page.waitForFunction(() => window.gridtiles.theme === 'light' && window.gridtiles.ready, null, {
    timeout: 30_000,
  });
  assert.equal(await page.evaluate(() => window.gridtiles.map.getStyle().name), 'gridtiles light print');
  assert.ok((await rendered('feeders')) > 0, 'the light theme draws the grid');
  await page.screenshot({ path: `${ARTIFACTS}/frontend-light.png` });
  await zoomShots('light');
  assert.ok((await page.evaluate(() => window.gridtiles.events.length)) >= liveBefore);
  assert.deepEqual(errorResponses, [], 'no error response during the whole session');
  assert.deepEqual(consoleErrors, [], 'no console error during the whole session');
  assert.deepEqual(foreignRequests, []);
});
