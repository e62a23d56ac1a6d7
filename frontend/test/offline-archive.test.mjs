// Offline tiles in a real browser: `gridtiles bake --basemap` writes the demo grid and its
// basemap into one PMTiles archive, copied next to the built front end (a static file on the
// page's origin, served with Range); the page opened with `?archive=/grid.pmtiles` draws
// feeders, devices and streets from it through the `pmtiles` protocol while every request to
// the server's tile routes (/tiles, /basemap and their TileJSON) is refused — no such request
// is made — with no console error and nothing from another origin.
// Screenshot: target/artifacts/offline-archive-dark.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, binary, startServer } from './server.mjs';
import { launch, watchPage } from './browser.mjs';

const ARTIFACTS = process.env.GRIDTILES_ARTIFACTS ?? `${REPO}target/artifacts`;
const SCALE = '0.05';
const TILE_ROUTES = /\/(tiles|basemap)(\/|\.json)/;

let dir;
let server;
let browser;
const problems = [];
const tileRouteRequests = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'gridtiles-offline-'));
  cpSync(`${REPO}frontend/dist`, dir, { recursive: true });
  const bake = spawnSync(
    binary(),
    ['bake', '--out', join(dir, 'grid.pmtiles'), '--basemap', '--scale', SCALE, '--maxzoom', '15'],
    { cwd: REPO, encoding: 'utf8' },
  );
  assert.equal(bake.status, 0, `bake failed:\n${bake.stderr}`);
  server = await startServer(['--scale', SCALE], { staticDir: dir });
  browser = await launch({ width: 1024, height: 768 });
  const { page } = browser;
  const origin = new URL(server.url).origin;
  await page.route(TILE_ROUTES, (route) => {
    tileRouteRequests.push(route.request().url());
    return route.abort();
  });
  // The tile routes are aborted on purpose, so failed requests are not problems here.
  watchPage(page, origin, problems, { failedRequests: false });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the page draws grid and basemap from a baked PMTiles archive with no tile route', async () => {
  const { page } = browser;
  await page.goto(`${server.url}/?archive=/grid.pmtiles`);
  await page.waitForFunction(() => window.gridtiles?.ready === true, null, { timeout: 60_000 });
  const sources = await page.evaluate(() => {
    const style = window.gridtiles.map.getStyle();
    return Object.fromEntries(Object.entries(style.sources).map(([k, v]) => [k, v.url ?? null]));
  });
  assert.equal(sources.gridtiles, `pmtiles://${server.url}/grid.pmtiles`);
  assert.equal(sources.basemap, `pmtiles://${server.url}/grid.pmtiles`);
  const centre = await (await fetch(`${server.url}/tiles.json`)).json().then((t) => t.center.slice(0, 2));
  const counts = await page.evaluate(
    ([c, z]) =>
      new Promise((resolve) => {
        const map = window.gridtiles.map;
        map.once('idle', () => {
          const count = {};
          for (const f of map.queryRenderedFeatures()) {
            count[f.layer.id] = (count[f.layer.id] ?? 0) + 1;
          }
          resolve(count);
        });
        map.jumpTo({ center: c, zoom: z });
      }),
    [centre, 14],
  );
  assert.ok((counts.feeders ?? 0) > 20, JSON.stringify(counts));
  assert.ok((counts.transformers ?? 0) > 5, JSON.stringify(counts));
  assert.ok((counts['basemap-demo-minor'] ?? 0) + (counts['basemap-demo-major'] ?? 0) > 5, JSON.stringify(counts));
  await page.screenshot({ path: `${ARTIFACTS}/offline-archive-dark.png` });
  assert.deepEqual(tileRouteRequests, []);
  assert.deepEqual(problems, []);
});
